"""Inbound SPF, DKIM and DMARC checks (issue 11 item 2), with a real DNS server and real milters.

The trusted server of conftest.py (mail_inbound_checks on) resolves through an
NSD on 127.0.0.1:53 in its container that serves four domains: hello.com as
`postdove dns` printed it (SPF `mx -all`, DMARC p=none), friend.example
(SPF allows the container's own address, DKIM key s1, p=reject),
bank.example (SPF `-all`, p=reject) and shop.example (SPF `-all`, p=none). Messages come from the container's
network address, not from mail_networks, so rspamd checks them as mail
from another MTA; friend.example's are DKIM-signed by dkimpy.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import testinfra

from postdove.testing import nsd as nsd_zones
from postdove.testing.lab import PROJECT, converge, sh
from postdove.testing.lab import TRUSTED_SERVER as NAME
from postdove.testing.mail import authentication_results, results_by, wait_for_mail

pytestmark = pytest.mark.lab

AUTHSERV_ID = "server.hello.com"
MILTER_SOCKET = "/var/spool/postfix/rspamd/rspamd.sock"

# Sends one message to host:25 from inside the container; prints the server's answer.
SEND = """
import smtplib, sys, dkim
host, mail_from, header_from, token, mode = sys.argv[1:6]
message = (
    f"From: <{header_from}>\\r\\nTo: <hello@hello.com>\\r\\nSubject: {token}\\r\\n"
    f"Message-ID: <{token}@{header_from.split('@')[1]}>\\r\\n"
)
if mode == "inject":
    message += f"Authentication-Results: server.hello.com; dkim=pass header.d=hello.com; spf=pass; dmarc=pass\\r\\n"
message = (message + f"\\r\\n{token}\\r\\n").encode()
if mode in ("signed", "tampered"):
    key = open("/tmp/friend/s1.private", "rb").read()
    message = dkim.sign(message, b"s1", b"friend.example", key, include_headers=[b"from", b"to", b"subject"]) + message
if mode == "tampered":
    message = message.replace(token.encode() + b"\\r\\n", token.encode() + b" changed in transit\\r\\n", 1)
try:
    with smtplib.SMTP(host, 25, local_hostname="mx.friend.example") as smtp:
        smtp.sendmail(mail_from, ["hello@hello.com"], message)
    print("250")
except smtplib.SMTPResponseException as error:
    print(error.smtp_code, error.smtp_error.decode())
"""


def run(*command: str) -> str:
    return sh("podman", "exec", NAME, *command)


# systemctl returns when rspamd's main process runs; its proxy worker listens
# a moment later, and until then Postfix answers 451 (milter_default_action).
WAIT_FOR_MILTER = """
import socket, sys, time
deadline = time.monotonic() + 30
while True:
    try:
        socket.socket(socket.AF_UNIX).connect(sys.argv[1])
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
"""


def restart_rspamd() -> None:
    run("systemctl", "restart", "rspamd")
    run("python3", "-c", WAIT_FOR_MILTER, MILTER_SOCKET)


@pytest.fixture(scope="module")
def outside_address(trusted_server) -> str:
    """The container's network address: mail from it is not from mail_networks."""
    return run("hostname", "-I").split()[0]


@pytest.fixture(scope="module")
def checked_world(trusted_server, outside_address):
    """NSD on port 53 as the server's only resolver, serving the four domains; undone afterwards."""
    run("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-dkim >/dev/null 2>&1")
    run("sh", "-c", "rm -rf /tmp/friend && mkdir /tmp/friend")
    run("opendkim-genkey", "-b", "2048", "-d", "friend.example", "-s", "s1", "-D", "/tmp/friend")
    printed = subprocess.run(
        [str(PROJECT / ".venv/bin/postdove"), "dns", str(trusted_server.dns_facts)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    zones = {
        "hello.com": nsd_zones.records_of(printed, "hello.com"),
        "friend.example": [
            f'friend.example. 3600 IN TXT "v=spf1 ip4:{outside_address} -all"',
            '_dmarc.friend.example. 3600 IN TXT "v=DMARC1; p=reject"',
            run("cat", "/tmp/friend/s1.txt"),
        ],
        "bank.example": [
            'bank.example. 3600 IN TXT "v=spf1 -all"',
            '_dmarc.bank.example. 3600 IN TXT "v=DMARC1; p=reject"',
        ],
        "shop.example": [
            'shop.example. 3600 IN TXT "v=spf1 -all"',
            '_dmarc.shop.example. 3600 IN TXT "v=DMARC1; p=none"',
        ],
    }
    nsd_zones.serve(NAME, zones, 53)
    run("sh", "-c", "cp /etc/resolv.conf /tmp/resolv.conf.saved && echo 'nameserver 127.0.0.1' > /etc/resolv.conf")
    # rspamd reads resolv.conf when it starts.
    restart_rspamd()
    run("sh", "-c", f"cat > /tmp/send.py <<'EOF'\n{SEND}EOF")
    yield
    run("sh", "-c", "cat /tmp/resolv.conf.saved > /etc/resolv.conf")
    nsd_zones.stop(NAME, 53)
    restart_rspamd()


def send(address: str, mail_from: str, header_from: str, mode: str = "plain") -> tuple[str, str]:
    """Send a message with a fresh token; the token and the server's answer."""
    token = f"in-{uuid.uuid4().hex[:8]}"
    answer = run("python3", "/tmp/send.py", address, mail_from, header_from, token, mode).strip()
    return token, answer


def delivered_headers(token: str, timeout: float = 30.0) -> str:
    """The header section of the message carrying `token` in hello's Maildir, or '' if none came."""
    found = wait_for_mail(testinfra.get_host(f"podman://{NAME}"), "hello", token, timeout)
    return run("cat", found[0]).split("\n\n", 1)[0] if found else ""


def results_of(headers: str) -> str:
    return results_by(headers, AUTHSERV_ID)


def test_signed_mail_from_an_allowed_mta_passes_spf_dkim_and_dmarc(checked_world, outside_address):
    token, answer = send(outside_address, "news@friend.example", "news@friend.example", "signed")
    assert answer == "250"
    results = results_of(delivered_headers(token))
    assert "dkim=pass" in results and "header.d=friend.example" in results, results
    assert "spf=pass" in results, results
    assert "dmarc=pass" in results, results


def test_the_results_are_in_one_authentication_results_header(checked_world, outside_address):
    token, answer = send(outside_address, "news@friend.example", "news@friend.example", "signed")
    assert answer == "250"
    (header,) = [h for h in authentication_results(delivered_headers(token)) if AUTHSERV_ID in h.split(";")[0]]
    for result in ("dkim=pass", "spf=pass", "dmarc=pass"):
        assert result in header, header


def test_a_body_changed_after_signing_fails_dkim(checked_world, outside_address):
    token, answer = send(outside_address, "news@friend.example", "news@friend.example", "tampered")
    # SPF passes and is aligned, so DMARC still passes and the message comes in.
    assert answer == "250"
    results = results_of(delivered_headers(token))
    assert "dkim=fail" in results, results
    assert "dmarc=pass" in results, results


def test_a_forgery_of_a_p_reject_domain_is_refused_with_550_5_7_1(checked_world, outside_address):
    token, answer = send(outside_address, "ceo@bank.example", "ceo@bank.example")
    assert answer.startswith("550 5.7.1"), answer
    assert delivered_headers(token, timeout=5) == ""


def test_a_forgery_of_a_p_none_domain_is_marked_and_an_injected_result_is_removed(checked_world, outside_address):
    # Not hello.com: this container's address is hello.com's MX, which its SPF allows.
    token, answer = send(outside_address, "sales@shop.example", "sales@shop.example", "inject")
    assert answer == "250"
    headers = delivered_headers(token)
    results = results_of(headers)
    assert "spf=fail" in results and "dmarc=fail" in results, results
    # The forger's header said dkim=pass for hello.com under this server's id.
    assert "header.d=hello.com" not in " ".join(authentication_results(headers)), headers


def test_mail_from_mail_networks_is_not_held_to_spf(checked_world):
    token, answer = send("127.0.0.1", "ceo@bank.example", "ceo@bank.example")
    assert answer == "250"
    assert results_of(delivered_headers(token)) == ""


def test_a_restart_by_the_role_ends_when_rspamd_takes_mail_again(checked_world, trusted_server, outside_address):
    """mail_networks is rspamd's local_addrs: a change restarts it, and the run waits until it listens.

    Mail sent the moment the run ends is checked (a p=reject forgery refused with
    550), not answered 451 by Postfix for a milter that is not back yet. Here the
    wait took 0.2 s, and without it the run's later handlers outlasted rspamd's
    start (the test passed once without it): the handler makes it certain.
    """
    more_networks = {"mail_networks": ["127.0.0.0/8", "198.51.100.0/24"]}
    changed = converge(trusted_server.inventory, "-e", json.dumps(more_networks))
    try:
        assert changed.returncode == 0, changed.stdout[-3000:]
        assert "RUNNING HANDLER [mail_dmarc : Wait for rspamd to listen]" in changed.stdout, changed.stdout[-3000:]
        _, answer = send(outside_address, "ceo@bank.example", "ceo@bank.example")
        assert answer.startswith("550 5.7.1"), answer
    finally:
        restored = converge(trusted_server.inventory)
        assert restored.returncode == 0, restored.stdout[-3000:]
