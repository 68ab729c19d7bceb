"""The postdove server among other servers on the internet (issue 11 item 5).

Four containers on the scenario's network (molecule.yml): the postdove server
(converged by site.yml, its certificate from pebble), a DNS server (unbound,
which also runs pebble), another provider's receiving MTA (Debian's stock
Postfix with OpenDKIM and OpenDMARC, set up by hand in prepare.yml) and a
forger. The module's first fixture loads what `postdove dns` printed into the
DNS server, so every check below resolves the records an admin would publish.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import testinfra
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from postdove.testing.ansible import failed_tasks, run_converge
from postdove.testing.containers import retry_exec_start_failures
from postdove.testing.example_vault import example_passwords, vaulted_string
from postdove.testing.mail import authentication_results, results_by, wait_for_mail
from postdove.testing.nsd import records_of
from postdove.testing.project import PROJECT
from postdove.testing.proof_log import record

retry_exec_start_failures()

SERVER_ADDRESS = "10.231.0.10"
RECEIVER_ADDRESS = "10.231.0.25"
SERVER_ID = "server.hello.com"
HOST_VARS = Path(__file__).parents[1] / "host_vars/postdove-internet-mail.yml"
KEY_FILE = "/etc/opendkim/keys/hello.com/mail.private"
RECEIVER_ID = "mx.receiver.test"
# The DNS facts the converge wrote on the controller (mail_dns_records_dir).
FACTS = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "postdove-dns"
# Where `postdove dns --mta-sts-dir` writes the policies: one web root per mta-sts.DOMAIN host.
MTA_STS_WEB = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "mta-sts-web"
# The HTTPS server for the policies (one web root per Host name), as the scenario's policy host runs it;
# the test runs it on the server with the certificate certbot got (mta-sts.hello.com is one of its names).
POLICY_SERVER = Path(__file__).parent.parent / "files" / "mta-sts-web.py"

# Sends one message over SMTP from inside a container; prints "250" or the refusal.
# argv: host port mail_from rcpt_to message-file helo. A str message: smtplib sends CRLF line ends.
SEND = """
import smtplib, sys
host, port, mail_from, rcpt_to, path = sys.argv[1:6]
try:
    with smtplib.SMTP(host, int(port), local_hostname=sys.argv[6]) as smtp:
        smtp.sendmail(mail_from, [rcpt_to], open(path).read())
    print("250")
except smtplib.SMTPResponseException as error:
    print(error.smtp_code, error.smtp_error.decode())
"""


def container(role: str) -> testinfra.host.Host:
    return testinfra.get_host(f"podman://postdove-internet-{role}")


@pytest.fixture(scope="module")
def mail() -> testinfra.host.Host:
    return container("mail")


@pytest.fixture(scope="module")
def receiver() -> testinfra.host.Host:
    return container("receiver")


@pytest.fixture(scope="module")
def forger() -> testinfra.host.Host:
    return container("forger")


@pytest.fixture(scope="module")
def printed_zone() -> str:
    """What `postdove dns` prints from the facts the converge wrote on the controller (and the MTA-STS policies)."""
    return postdove_dns(FACTS, MTA_STS_WEB)


def postdove_dns(facts: Path, mta_sts_web: Path) -> str:
    """What `postdove dns FACTS --mta-sts-dir MTA_STS_WEB` prints (it must succeed)."""
    printed = subprocess.run(
        [str(PROJECT / ".venv/bin/postdove"), "dns", str(facts), "--mta-sts-dir", str(mta_sts_web)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert printed.returncode == 0, printed.stderr
    return printed.stdout


def without_comment(record: str) -> str:
    """A zone-file line without its trailing `; comment` (a `;` inside quotes is data)."""
    quoted = False
    for index, character in enumerate(record):
        if character == '"':
            quoted = not quoted
        elif character == ";" and not quoted:
            return record[:index].rstrip()
    return record


@pytest.fixture(scope="module")
def published(printed_zone: str) -> None:
    """The DNS server answers for hello.com with exactly the printed records, as local data."""
    dns = container("dns")
    records = [without_comment(record) for record in records_of(printed_zone, "hello.com")]
    # The MTA-STS policy's web host is the admin's to name; here the postdove server.
    records.append(f"mta-sts.hello.com. 300 IN A {SERVER_ADDRESS}")
    lines = [f"  local-data: '{record}'" for record in records]
    config = "\n".join(["server:", '  local-zone: "hello.com." static', *lines]) + "\n"
    target = "/etc/unbound/unbound.conf.d/hello.com.conf"
    dns.check_output(f"cat > {target} <<'EOF'\n{config}EOF")
    dns.check_output("unbound-checkconf")
    # A restart also empties unbound's cache of anything asked before.
    dns.check_output("systemctl restart unbound")
    for host in (container("mail"), container("receiver"), container("forger")):
        host.check_output(f"cat > /tmp/send.py <<'EOF'\n{SEND}EOF")


def dig(name: str, kind: str) -> list[str]:
    answer = container("dns").check_output(f"dig +short @127.0.0.1 {name} {kind}")
    return sorted(line for line in answer.splitlines() if line.strip())


def send(host: testinfra.host.Host, to_host: str, mail_from: str, rcpt_to: str, message: str, helo: str) -> str:
    """Send `message` over SMTP port 25 from `host`; "250" or the refusal's code and text."""
    host.check_output(f"cat > /tmp/message.eml <<'EOF'\n{message}EOF")
    command = ["python3", "/tmp/send.py", to_host, "25", mail_from, rcpt_to, "/tmp/message.eml", helo]
    return host.check_output(shlex.join(command)).strip()


def send_from_forger(forger: testinfra.host.Host, sender: str, token: str, extra_header: str) -> str:
    """A message from `sender` (envelope and From) to hello@hello.com, sent by the forger to the server."""
    message = f"From: <{sender}>\nTo: <hello@hello.com>\nSubject: {token}\n{extra_header}\n\n{token}\n"
    return send(forger, SERVER_ADDRESS, sender, "hello@hello.com", message, "mx.forger.test")


def headers_of(host: testinfra.host.Host, user: str, token: str) -> str:
    found = wait_for_mail(host, user, token)
    assert found, f"the message {token} did not arrive for {user}"
    return host.file(found[0]).content_string.split("\n\n", 1)[0]


def test_the_dns_server_serves_the_printed_zone(published, forger: testinfra.host.Host):
    assert dig("hello.com", "MX") == ["10 server.hello.com."]
    assert dig("server.hello.com", "A") == [SERVER_ADDRESS]
    assert dig("hello.com", "TXT") == ['"v=spf1 mx -all"']
    assert dig("_dmarc.hello.com", "TXT") == ['"v=DMARC1; p=reject"']
    assert dig("mail._domainkey.hello.com", "TXT")[0].startswith('"v=DKIM1; k=rsa; p=MII')
    # RFC 8463: the raw 32-byte key, 44 characters of base64.
    assert re.fullmatch(r'"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="', dig("ed._domainkey.hello.com", "TXT")[0])
    assert container("dns").check_output(f"dig +short @127.0.0.1 -x {SERVER_ADDRESS}") == "server.hello.com."
    # DANE's record names the key of the certificate port 25 presents.
    live = forger.check_output(
        f"openssl s_client -starttls smtp -connect {SERVER_ADDRESS}:25 </dev/null 2>/dev/null"
        " | openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum"
    ).split()[0]
    (tlsa,) = dig("_25._tcp.server.hello.com", "TLSA")
    # dig prints the hash in upper case, split in two.
    assert tlsa.startswith("3 1 1 ") and tlsa[6:].replace(" ", "").lower() == live


def policy_as_a_sender_reads_it(mail: testinfra.host.Host, receiver: testinfra.host.Host, web_root: Path) -> str:
    """Serve web_root's policy for hello.com from the server (over HTTPS, the certificate certbot got) and
    return what mta-sts-query (Debian's postfix-mta-sts-resolver, what a sending Postfix asks) read there."""
    policy = (web_root / "mta-sts.hello.com/.well-known/mta-sts.txt").read_text()
    mail.check_output(
        "rm -rf /srv/mta-sts && mkdir -p /srv/mta-sts/mta-sts.hello.com/.well-known"
        " && cat > /srv/mta-sts/mta-sts.hello.com/.well-known/mta-sts.txt <<'EOF'\n"
        f"{policy}EOF\ncat > /root/mta-sts-web.py <<'EOF'\n{POLICY_SERVER.read_text()}EOF"
    )
    mail.run("systemctl stop mta-sts-web")
    live = "/etc/letsencrypt/live/server.hello.com"
    mail.check_output(
        "systemd-run --unit=mta-sts-web --collect python3 /root/mta-sts-web.py"
        f" /srv/mta-sts {live}/fullchain.pem {live}/privkey.pem"
    )
    try:
        for _ in range(20):
            answer = receiver.run("mta-sts-query hello.com").stdout
            if "VALID" in answer:
                break
            time.sleep(0.5)
        return answer
    finally:
        mail.run("systemctl stop mta-sts-web")


def test_a_sender_finds_the_mta_sts_policy_the_record_names(
    published, mail: testinfra.host.Host, receiver: testinfra.host.Host
):
    """mta-sts-query reads _mta-sts.hello.com from the DNS server and fetches the policy over verified HTTPS."""
    (record,) = dig("_mta-sts.hello.com", "TXT")
    found = re.fullmatch(r'"v=STSv1; id=(\w+)"', record)
    assert found, record
    answer = policy_as_a_sender_reads_it(mail, receiver, MTA_STS_WEB)
    assert "STSFetchResult.VALID" in answer, answer
    assert f"'{found.group(1)}'" in answer, answer
    assert "'mode': 'enforce'" in answer and "'mx': ['server.hello.com']" in answer, answer
    assert "'max_age': 86400" in answer, answer


@pytest.mark.parametrize("mode", ["testing", "none"])
def test_a_sender_reads_a_testing_or_none_policy_as_published(
    published, mail: testinfra.host.Host, receiver: testinfra.host.Host, tmp_path: Path, mode: str
):
    """mail_dns_mta_sts_mode testing (reports only) or none (the way out of enforce): `postdove dns`
    prints a record with a new id, so senders fetch again, and a policy a real client reads as that mode."""
    changed = tmp_path / "postdove-dns"
    changed.mkdir()
    for host_facts in FACTS.glob("*.json"):
        data = json.loads(host_facts.read_text())
        data["mta_sts_mode"] = mode
        (changed / host_facts.name).write_text(json.dumps(data))
    printed = postdove_dns(changed, tmp_path / "web")
    (record,) = {line for line in printed.splitlines() if line.startswith("_mta-sts.hello.com.")}
    (published_record,) = dig("_mta-sts.hello.com", "TXT")
    new_id = re.search(r"id=(\w+)", record).group(1)  # type: ignore[union-attr]
    assert new_id not in published_record, (record, published_record)
    answer = policy_as_a_sender_reads_it(mail, receiver, tmp_path / "web")
    assert "STSFetchResult.VALID" in answer, answer
    assert f"'mode': '{mode}'" in answer, answer


def test_mail_submitted_by_test_passes_dkim_spf_and_dmarc_at_the_receiver(
    published, forger: testinfra.host.Host, receiver: testinfra.host.Host
):
    token = f"out-{uuid.uuid4().hex[:8]}"
    password = example_passwords()["test"]
    sent = forger.run(
        f"swaks --server {SERVER_ADDRESS} --port 587 --tls --auth LOGIN --auth-user test"
        f" --auth-password {shlex.quote(password)} --from test@hello.com --to friend@receiver.test"
        f" --header 'Subject: {token}' --body {token}"
    )
    assert sent.rc == 0, sent.stdout
    results = results_by(headers_of(receiver, "friend", token), RECEIVER_ID)
    # Both signatures verify: the RSA key's and the ed25519 key's (RFC 8463).
    signatures = re.findall(
        r"dkim=(\w+) (?:\([^)]*\) )?header\.d=hello\.com [^;]*header\.a=([\w-]+) header\.s=(\w+)", results
    )
    assert sorted(signatures) == [("pass", "ed25519-sha256", "ed"), ("pass", "rsa-sha256", "mail")], results
    assert "spf=pass" in results, results
    assert "dmarc=pass" in results, results


def test_the_receiver_verifies_the_certificate_pebble_issued(
    published, mail: testinfra.host.Host, receiver: testinfra.host.Host
):
    token = f"in-{uuid.uuid4().hex[:8]}"
    receiver.check_output(
        f"printf 'Subject: {token}\\n\\n{token}\\n' | sendmail -f friend@receiver.test hello@hello.com"
    )
    headers_of(mail, "hello", token)
    log = receiver.file("/var/log/postfix.log").content_string
    assert f"Verified TLS connection established to server.hello.com[{SERVER_ADDRESS}]:25" in log
    issuer = container("forger").check_output(
        f"openssl s_client -starttls smtp -connect {SERVER_ADDRESS}:25 </dev/null 2>/dev/null"
        " | openssl x509 -noout -issuer"
    )
    assert "Pebble Intermediate CA" in issuer, issuer


def test_mail_to_a_dane_domain_goes_only_to_the_certificate_its_tlsa_record_names(
    published, mail: testinfra.host.Host, receiver: testinfra.host.Host
):
    """receiver.test is signed and publishes 3 1 1 for its MX's key (prepare.yml): Postfix verifies by DANE.

    The server also trusts the receiver's certificate as a CA (for outbound
    MTA-STS); where TLSA records exist only they count, which the mismatch test
    below shows: the same certificate is refused there.
    """
    delivered_over_verified_tls(mail, receiver, "friend@receiver.test")


def smtp_log(mail: testinfra.host.Host, since: str) -> str:
    """What Postfix's smtp client logged since the Unix time `since`."""
    return mail.check_output(f"journalctl -q --no-pager -o cat --since @{since} -t postfix/smtp")


def delivered_over_verified_tls(mail: testinfra.host.Host, receiver: testinfra.host.Host, address: str) -> None:
    """Mail from `test` to `address` arrives at the receiver over a connection Postfix verified."""
    since = mail.check_output("date +%s")
    token = f"verified-{uuid.uuid4().hex[:8]}"
    mail.check_output(f"echo {token} | su -s /bin/sh test -c 'mail -s {token} {address}'")
    headers_of(receiver, address.split("@")[0], token)
    log = smtp_log(mail, since)
    assert f"Verified TLS connection established to mx.receiver.test[{RECEIVER_ADDRESS}]:25" in log, log


def delay_reasons(mail: testinfra.host.Host, address: str, seconds: float = 30) -> dict[str, str]:
    """Queue ID -> why the queue holds mail for `address`, once Postfix has tried it (or the time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        queued = [json.loads(line) for line in mail.check_output("postqueue -j").splitlines()]
        reasons = {
            message["queue_id"]: recipient.get("delay_reason", "")
            for message in queued
            for recipient in message["recipients"]
            if recipient["address"] == address
        }
        if any(reasons.values()) or time.monotonic() > deadline:
            return reasons
        time.sleep(0.5)


def held_in_the_queue(mail: testinfra.host.Host, address: str) -> str:
    """Mail from `test` to `address` stays queued, never sent: why, as Postfix says (then it is deleted)."""
    since = mail.check_output("date +%s")
    token = f"held-{uuid.uuid4().hex[:8]}"
    mail.check_output(f"echo {token} | su -s /bin/sh test -c 'mail -s {token} {address}'")
    ((queue_id, reason),) = delay_reasons(mail, address).items()
    log = smtp_log(mail, since)
    tried = [line for line in log.splitlines() if line.startswith(f"{queue_id}: to=<{address}>")]
    assert tried and not [line for line in tried if "status=sent" in line], log
    mail.check_output(f"postsuper -d {queue_id}")
    return reason


def test_a_tlsa_mismatch_keeps_the_mail_in_the_queue(published, mail: testinfra.host.Host):
    """mismatch.receiver.test's MX (the same host) has a TLSA record no key matches: deferred, never sent."""
    reason = held_in_the_queue(mail, "friend@mismatch.receiver.test")
    assert "Server certificate not verified" in reason, reason


def mta_sts_answer(mail: testinfra.host.Host, domain: str) -> str:
    """What the resolver tells Postfix's smtp client for `domain` (the socketmap main.cf names)."""
    socketmap = mail.check_output("postconf -h smtp_tls_policy_maps").split(", ")[-1]
    return mail.run(f"postmap -q {domain} {socketmap}").stdout.strip()


def test_an_enforced_mta_sts_policy_is_met_by_a_verified_certificate(
    published, mail: testinfra.host.Host, receiver: testinfra.host.Host
):
    """sts.test's policy (enforce, mx.receiver.test): a certificate the system's CAs sign for that name."""
    answer = mta_sts_answer(mail, "sts.test")
    assert answer.startswith("secure match=mx.receiver.test"), answer
    delivered_over_verified_tls(mail, receiver, "friend@sts.test")


def test_an_enforced_mta_sts_policy_keeps_mail_for_an_mx_it_does_not_name_in_the_queue(
    published, mail: testinfra.host.Host
):
    """sts-mismatch.test's policy names mx.elsewhere.test; its MX is mx.receiver.test: held."""
    answer = mta_sts_answer(mail, "sts-mismatch.test")
    assert answer.startswith("secure match=mx.elsewhere.test"), answer
    reason = held_in_the_queue(mail, "friend@sts-mismatch.test")
    assert "Server certificate not verified" in reason, reason


def test_a_testing_mta_sts_policy_changes_nothing(published, mail: testinfra.host.Host, receiver: testinfra.host.Host):
    """sts-testing.test's policy names another MX but only tests: the mail goes as without a policy."""
    assert mta_sts_answer(mail, "sts-testing.test") == ""
    token = f"sts-testing-{uuid.uuid4().hex[:8]}"
    mail.check_output(f"echo {token} | su -s /bin/sh test -c 'mail -s {token} friend@sts-testing.test'")
    headers_of(receiver, "friend", token)


def test_mail_waits_in_the_queue_while_the_mta_sts_resolver_is_down(
    published, mail: testinfra.host.Host, receiver: testinfra.host.Host
):
    """Postfix asks the resolver before each delivery: while it is down, a lookup fails and the
    mail is deferred, not sent without its policy and not lost; it leaves once the resolver is back."""
    since = mail.check_output("date +%s")
    mail.check_output("systemctl stop postfix-mta-sts-resolver")
    try:
        token = f"resolver-down-{uuid.uuid4().hex[:8]}"
        mail.check_output(f"echo {token} | su -s /bin/sh test -c 'mail -s {token} friend@sts.test'")
        ((queue_id, reason),) = delay_reasons(mail, "friend@sts.test").items()
        record("fault", "MTA-STS resolver down", f"held in the queue: {reason or 'no'}", bool(reason))
        assert "TLS configuration problem" in reason, reason
        log = smtp_log(mail, since)
        assert "policy table lookup error" in log, log
    finally:
        mail.check_output("systemctl start postfix-mta-sts-resolver")
    for _ in range(20):
        if mta_sts_answer(mail, "sts.test"):
            break
        time.sleep(0.5)
    since = mail.check_output("date +%s")
    mail.check_output(f"postqueue -i {queue_id}")
    headers_of(receiver, "friend", token)
    log = smtp_log(mail, since)
    assert f"Verified TLS connection established to mx.receiver.test[{RECEIVER_ADDRESS}]:25" in log, log
    assert queue_id not in mail.check_output("postqueue -j"), "the held message has left"


RSPAMD_LOG = "/var/log/rspamd/rspamd.log"


def test_a_forgery_of_hello_com_fails_spf_and_dmarc_and_is_refused(published, forger: testinfra.host.Host):
    token = f"forged-{uuid.uuid4().hex[:8]}"
    answer = send_from_forger(forger, "test@hello.com", token, f"Message-ID: <{token}@forger.test>")
    assert answer == "550 5.7.1 rejected by DMARC policy for hello.com", answer
    # rspamd's log, per queue ID: SPF failed (10.231.0.66 is not hello.com's MX), so DMARC did.
    logged = container("mail").check_output(f"journalctl -q --no-pager -o cat -g 'message-id=<{token}@forger.test>'")
    queue_id = logged.split(":")[0]
    scans = container("mail").file(RSPAMD_LOG).content_string.splitlines()
    (scan,) = [line for line in scans if f"qid: <{queue_id}>" in line]
    assert "R_SPF_FAIL" in scan and "DMARC_POLICY_REJECT" in scan, scan


def test_a_body_changed_after_signing_fails_dkim_at_the_receiver(
    published, mail: testinfra.host.Host, receiver: testinfra.host.Host
):
    token = f"tamper-{uuid.uuid4().hex[:8]}"
    mail.check_output(f"echo {token} | su -s /bin/sh test -c 'mail -s {token} friend@receiver.test'")
    found = wait_for_mail(receiver, "friend", token)
    assert found, "the signed original did not arrive"
    headers, body = receiver.file(found[0]).content_string.split("\n\n", 1)
    # Resent as it left the server (the receiver's own headers dropped), with the body changed.
    kept = [
        line
        for line in headers.replace("\n\t", "\t").replace("\n ", " ").splitlines()
        if not line.lower().startswith(("authentication-results:", "return-path:", "delivered-to:"))
    ]
    tampered = "\n".join(kept) + "\n\n" + body.replace(token, f"{token} changed in transit", 1)
    answer = send(mail, RECEIVER_ADDRESS, "test@hello.com", "friend@receiver.test", tampered, SERVER_ID)
    assert answer == "250", answer
    arrived = [path for path in wait_for_mail(receiver, "friend", "changed in transit") if path not in found]
    assert arrived, "the changed message did not arrive"
    results = results_by(receiver.file(arrived[0]).content_string.split("\n\n", 1)[0], RECEIVER_ID)
    assert "dkim=fail" in results, results


def test_an_authentication_results_header_injected_by_the_forger_does_not_survive(
    published, forger: testinfra.host.Host, mail: testinfra.host.Host
):
    token = f"inject-{uuid.uuid4().hex[:8]}"
    injected = f"Authentication-Results: {SERVER_ID}; dkim=pass header.d=hello.com; spf=pass; dmarc=pass"
    answer = send_from_forger(forger, "boss@forger.test", token, injected)
    assert answer == "250", answer
    headers = headers_of(mail, "hello", token)
    assert "header.d=hello.com" not in " ".join(authentication_results(headers)), headers


# The public key as each record's p= carries it: RSA's SubjectPublicKeyInfo, ed25519's raw 32 bytes (RFC 8463).
GIVEN_KEYS = [
    ("mail", "vault_dkim_mail_hello_com", "openssl pkey -in {} -pubout -outform DER | base64 -w0"),
    ("ed", "vault_dkim_ed_hello_com", "openssl pkey -in {} -pubout -outform DER | tail -c 32 | base64 -w0"),
]


@pytest.mark.parametrize(("selector", "vault_variable", "public_key"), GIVEN_KEYS, ids=["rsa", "ed25519"])
def test_the_keys_given_in_the_vault_are_the_ones_that_sign_and_are_published(
    published, mail: testinfra.host.Host, selector: str, vault_variable: str, public_key: str
):
    given = vaulted_string(HOST_VARS, vault_variable)
    key_file = f"/etc/opendkim/keys/hello.com/{selector}.private"
    key = mail.file(key_file)
    assert (key.user, key.group, key.mode) == ("opendkim", "opendkim", 0o600)
    assert key.sha256sum == hashlib.sha256(given.encode()).hexdigest()
    served = "".join(part.strip('"') for part in " ".join(dig(f"{selector}._domainkey.hello.com", "TXT")).split())
    assert served.endswith(f"p={mail.check_output(public_key.format(key_file))}"), served


def test_a_given_key_that_would_replace_the_published_one_is_refused_before_any_change(
    published, mail: testinfra.host.Host
):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    before = mail.file(KEY_FILE).sha256sum
    extra = json.dumps({"mail_dkim_private_keys": {"mail._domainkey.hello.com": pem}})
    result = run_converge("-e", extra)
    output = result.stdout + result.stderr
    # The YAML callback folds and quotes the message.
    message = " ".join(output.split()).replace("''", "'")
    assert result.returncode != 0, result.stdout[-2000:]
    assert (
        "mail_dkim_private_keys: 'mail._domainkey.hello.com' is not the key this host already publishes" in message
    ), failed_tasks(output)
    # Refused in the mail role's checks, before any role changed the host.
    assert re.search(r"postdove-internet-mail\s*:.*\bchanged=0\b.*\bfailed=1\b", result.stdout), result.stdout[-800:]
    assert "BEGIN PRIVATE KEY" not in output
    assert mail.file(KEY_FILE).sha256sum == before


def signing_selector(mail: testinfra.host.Host) -> str:
    """The RSA selector of a message `test` sends to hello (delivered on this server)."""
    token = f"selector-{uuid.uuid4().hex[:8]}"
    mail.check_output(f"echo {token} | su -s /bin/sh test -c 'mail -s {token} hello@hello.com'")
    headers = headers_of(mail, "hello", token).replace("\n\t", " ").replace("\n ", " ")
    (selector,) = re.findall(r"DKIM-Signature: v=1; a=rsa-sha256;[^\n]*? s=(\w+);", headers)
    return selector


def test_a_key_rotation_takes_effect_on_a_reload_and_the_old_key_goes_when_unlisted(
    published, mail: testinfra.host.Host
):
    """docs' two steps: a new first selector signs; taken out again, its key goes and the other signs."""
    pid = mail.check_output("systemctl show --property=MainPID --value opendkim")
    result = run_converge("-e", json.dumps({"mail_dkim_selectors": ["next", "mail"]}))
    assert result.returncode == 0, failed_tasks(result.stdout + result.stderr)
    assert mail.file("/etc/opendkim/keys/hello.com/next.private").exists
    assert signing_selector(mail) == "next"
    restored = run_converge()
    assert restored.returncode == 0, failed_tasks(restored.stdout + restored.stderr)
    assert not mail.file("/etc/opendkim/keys/hello.com/next.private").exists
    assert signing_selector(mail) == "mail"
    # Reloaded both times (its tables and keys), never restarted.
    assert mail.check_output("systemctl show --property=MainPID --value opendkim") == pid


def stopped_after_postfix_reloaded(output: str, handler: str) -> bool:
    """Whether the run stopped a daemon in `handler` after Postfix reloaded without it (mail never meets it stopped)."""
    reload, stop = (output.find(f"RUNNING HANDLER [{name}]") for name in ("postfix : Reload postfix", handler))
    return 0 <= reload < stop


def test_the_mta_sts_resolver_turned_off_stops_after_postfix_no_longer_asks_it(published, mail: testinfra.host.Host):
    result = run_converge("-e", json.dumps({"mail_outbound_mta_sts": False}))
    assert result.returncode == 0, failed_tasks(result.stdout + result.stderr)
    assert stopped_after_postfix_reloaded(result.stdout, "postfix : Stop the MTA-STS resolver"), result.stdout[-3000:]
    assert not mail.service("postfix-mta-sts-resolver").is_running
    assert "socketmap" not in mail.check_output("postconf -h smtp_tls_policy_maps")
    restored = run_converge()
    assert restored.returncode == 0, failed_tasks(restored.stdout + restored.stderr)
    assert mail.service("postfix-mta-sts-resolver").is_running


def test_taking_the_ed25519_selector_out_stops_its_signer_and_removes_its_key(published, mail: testinfra.host.Host):
    """Last: the selector and its given key go out of the inventory, then come back."""
    rsa_only = {"mail._domainkey.hello.com": "{{ vault_dkim_mail_hello_com }}"}
    result = run_converge("-e", json.dumps({"mail_dkim_ed25519_selectors": [], "mail_dkim_private_keys": rsa_only}))
    assert result.returncode == 0, failed_tasks(result.stdout + result.stderr)
    assert stopped_after_postfix_reloaded(result.stdout, "mail_dkim : Stop opendkim-ed25519"), result.stdout[-3000:]
    assert not mail.service("opendkim-ed25519").is_running
    assert not mail.file("/etc/opendkim/keys/hello.com/ed.private").exists
    assert "opendkim-ed25519" not in mail.check_output("postconf -h smtpd_milters non_smtpd_milters")
    # Mail still leaves, signed with RSA only.
    token = f"rsa-only-{uuid.uuid4().hex[:8]}"
    mail.check_output(f"echo {token} | su -s /bin/sh test -c 'mail -s {token} friend@receiver.test'")
    headers = headers_of(container("receiver"), "friend", token)
    assert headers.count("DKIM-Signature:") == 1 and "s=mail;" in headers, headers
    restored = run_converge()
    assert restored.returncode == 0, failed_tasks(restored.stdout + restored.stderr)
    assert mail.service("opendkim-ed25519").is_running
    # The given key is back, the one DNS serves.
    given = vaulted_string(HOST_VARS, "vault_dkim_ed_hello_com")
    assert mail.file("/etc/opendkim/keys/hello.com/ed.private").sha256sum == hashlib.sha256(given.encode()).hexdigest()
