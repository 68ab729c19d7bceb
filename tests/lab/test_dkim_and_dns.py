"""DKIM signing and postdove dns (issue 11 items 1 and 3), checked with a real DNS server and verifier.

The Debian 12 server of conftest.py's trusted_server (the guide plus a virtual
alias domain, mail_dkim_selectors: [mail], an ACME certificate from pebble) is
shared with test_acme.py; the mail_dns role wrote its facts file on the
controller and `postdove dns` prints the records. The hello.com part is loaded
into NSD (Debian's package, installed in the container) and queried with dig:
every record resolves as printed, and the TLSA record matches the certificate
Postfix presents on port 25 after STARTTLS. The guide's own `mail` then sends
a message, which arrives DKIM-signed, and dkimpy verifies the signature with
the key it fetches from that NSD. With OpenDKIM stopped, nothing leaves
unsigned and nothing is lost: submission gets 451, local mail waits in the
queue and leaves signed once the signer is back.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid

import pytest

from postdove.testing import nsd as nsd_zones
from postdove.testing.example_vault import example_passwords
from postdove.testing.lab import PROJECT, sh
from postdove.testing.lab import TRUSTED_SERVER as NAME

pytestmark = pytest.mark.lab

NSD_PORT = 5353


def run(*command: str) -> str:
    return sh("podman", "exec", NAME, *command)


def postdove_dns(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROJECT / ".venv/bin/postdove"), "dns", *arguments], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def facts_dir(trusted_server):
    return trusted_server.dns_facts


def test_each_domain_gets_its_records(facts_dir):
    printed = postdove_dns(str(facts_dir), "--json")
    assert printed.returncode == 0, printed.stderr
    records = {(r["name"], r["type"]): r["data"] for r in json.loads(printed.stdout)}
    for domain in ("hello.com.", "hello.org."):
        assert records[(domain, "MX")] == "10 server.hello.com."
        assert records[(domain, "TXT")] == '"v=spf1 mx -all"'
        assert records[(f"_dmarc.{domain}", "TXT")] == '"v=DMARC1; p=none; rua=mailto:dmarc@hello.com"'
        assert records[(f"_submissions._tcp.{domain}", "SRV")] == "0 1 465 server.hello.com."
        assert records[(f"_smtp._tls.{domain}", "TXT")] == '"v=TLSRPTv1; rua=mailto:tls@hello.com"'
    assert records[("server.hello.com.", "A")] == "192.0.2.10"
    assert records[("10.2.0.192.in-addr.arpa.", "PTR")] == "server.hello.com."
    # 192.0.2.10 is a documentation address: the command says it would not convince anyone.
    assert "192.0.2.10 is not a public address" in printed.stderr


def test_the_tlsa_record_matches_the_certificate_postfix_presents(facts_dir):
    records = json.loads(postdove_dns(str(facts_dir), "--json").stdout)
    tlsa = next(r["data"] for r in records if r["type"] == "TLSA")
    live = run(
        "sh",
        "-c",
        "openssl s_client -starttls smtp -connect 127.0.0.1:25 </dev/null 2>/dev/null"
        " | openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum",
    ).split()[0]
    assert tlsa == f"3 1 1 {live}"


@pytest.fixture(scope="module")
def nsd(facts_dir):
    """NSD in the container, serving the hello.com part of the printed zone on 127.0.0.1:5353."""
    run(
        "sh",
        "-c",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q bind9-dnsutils python3-dkim python3-dnspython"
        " swaks >/dev/null 2>&1",
    )
    nsd_zones.serve(
        NAME, {"hello.com": nsd_zones.records_of(postdove_dns(str(facts_dir)).stdout, "hello.com")}, NSD_PORT
    )
    yield
    nsd_zones.stop(NAME, NSD_PORT)


def dig(name: str, kind: str) -> list[str]:
    answer = run("dig", "+short", "-p", str(NSD_PORT), "@127.0.0.1", name, kind)
    return sorted(line for line in answer.splitlines() if line.strip())


def test_a_real_dns_server_serves_the_zone_as_printed(nsd):
    assert dig("hello.com", "MX") == ["10 server.hello.com."]
    assert dig("hello.com", "TXT") == ['"v=spf1 mx -all"']
    assert dig("_dmarc.hello.com", "TXT") == ['"v=DMARC1; p=none; rua=mailto:dmarc@hello.com"']
    assert dig("_imaps._tcp.hello.com", "SRV") == ["0 1 993 server.hello.com."]
    assert dig("server.hello.com", "A") == ["192.0.2.10"]
    tlsa = dig("_25._tcp.server.hello.com", "TLSA")
    assert len(tlsa) == 1 and tlsa[0].startswith("3 1 1 ")
    assert dig("mail._domainkey.hello.com", "TXT")[0].startswith('"v=DKIM1; k=rsa; p=MII')


# dkimpy's verifier, with its DNS lookups sent to the lab's NSD.
VERIFY = """
import sys, dkim, dns.resolver
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers, resolver.port = ["127.0.0.1"], 5353
def txt(name, timeout=5):
    answer = resolver.resolve(name.decode().rstrip("."), "TXT")
    return b"".join(b"".join(record.strings) for record in answer)
message = open(sys.argv[1], "rb").read()
print("verified" if dkim.verify(message, dnsfunc=txt) else "failed")
"""


def newest_mail(token: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = run("sh", "-c", f"grep -l -r -F -- {token} /home/hello/Maildir/new || true").split()
        if found:
            return found[0]
        time.sleep(0.5)
    return ""


def send_locally(token: str) -> None:
    run("sh", "-c", f"echo {token} | su -s /bin/sh test -c 'mail -s {token} hello@hello.com'")


def test_the_guides_mail_arrives_signed_and_verifies_against_the_published_key(nsd):
    token = f"dkim-{uuid.uuid4().hex[:8]}"
    send_locally(token)
    path = newest_mail(token)
    assert path, "the message did not arrive"
    message = run("cat", path)
    assert "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=hello.com; s=mail;" in message
    run("sh", "-c", f"cat > /tmp/verify.py <<'EOF'\n{VERIFY}EOF")
    assert run("python3", "/tmp/verify.py", path).strip() == "verified"


def test_with_the_signer_down_nothing_leaves_unsigned_and_nothing_is_lost(nsd):
    run("systemctl", "stop", "opendkim")
    try:
        submitted = subprocess.run(
            [
                "podman",
                "exec",
                NAME,
                "swaks",
                "--server",
                "127.0.0.1",
                "--port",
                "587",
                "--tls",
                "--auth",
                "PLAIN",
                "--auth-user",
                "test",
                "--auth-password",
                example_passwords()["test"],
                "--from",
                "test@hello.com",
                "--to",
                "hello@hello.com",
                "--quit-after",
                "MAIL",
            ],
            capture_output=True,
            text=True,
        )
        # Postfix answers with a temporary error (454 to STARTTLS, else 451 4.7.1): the client keeps the mail.
        assert re.search(r"^<\*\* 4\d\d ", submitted.stdout, re.MULTILINE), submitted.stdout[-1500:]
        token = f"waits-{uuid.uuid4().hex[:8]}"
        send_locally(token)
        assert not newest_mail(token, timeout=8), "mail left while the signer was down"
    finally:
        run("systemctl", "start", "opendkim")
    run("postkick", "public", "pickup", "W")
    path = newest_mail(token, timeout=90)
    assert path, "the message waiting for the signer was lost"
    assert "d=hello.com; s=mail;" in run("cat", path)
