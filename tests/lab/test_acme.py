"""Certificates from ACME (issue 11 item 4): certbot against pebble, a real ACME test CA.

Pebble (Debian's package, postdove/testing/pebble.py) runs in the Debian 12
lab container of conftest.py's trusted_server (shared with test_dkim_and_dns.py),
serving its directory over HTTPS with a test certificate the container trusts,
and checks HTTP-01 on port 80 of server.hello.com as a real CA would. The
server was converged with mail_tls_mode: acme pointed at it: Postfix (25, 465, 587) and
Dovecot (993) present the issued certificate, which verifies against pebble's
root. A forced renewal, run as certbot's timer runs it (on the host, no
controller), brings a new serial to all four ports through the deploy hook
while the key stays (the TLSA record stays valid). A re-run changes nothing.
"""

from __future__ import annotations

import re

import pytest

from postdove.testing.lab import TRUSTED_SERVER as NAME
from postdove.testing.lab import converge, sh
from postdove.testing.pebble import ROOT_FILE

pytestmark = pytest.mark.lab

# (port, openssl s_client options) of each TLS endpoint the certificate must reach.
ENDPOINTS = [(25, "-starttls smtp"), (465, ""), (587, "-starttls smtp"), (993, "")]


def run(*command: str) -> str:
    return sh("podman", "exec", NAME, *command)


def presented(port: int, options: str) -> tuple[str, str, str]:
    """(serial, SPKI SHA-256, verify result against pebble's root) of what `port` presents."""
    connect = (
        f"openssl s_client -connect 127.0.0.1:{port} {options} -servername server.hello.com"
        f" -verify_hostname server.hello.com -CAfile {ROOT_FILE} </dev/null 2>/dev/null"
    )
    output = run("sh", "-c", f"{connect} > /tmp/s_client.out; cat /tmp/s_client.out")
    verify = re.search(r"Verify return code: (\d+ \([^)]*\))", output)
    serial = run("sh", "-c", "openssl x509 -noout -serial < /tmp/s_client.out").strip()
    spki = run(
        "sh", "-c", "openssl x509 -pubkey -noout < /tmp/s_client.out | openssl pkey -pubin -outform DER | sha256sum"
    ).split()[0]
    return serial, spki, verify.group(1) if verify else "no verify result"


@pytest.fixture(scope="module")
def server(trusted_server):
    return trusted_server


def test_every_endpoint_presents_the_certificate_the_ca_issued(server):
    for port, options in ENDPOINTS:
        serial, _, verified = presented(port, options)
        assert verified == "0 (ok)", f"port {port}: {verified}"
        assert serial.startswith("serial="), serial


def test_renewal_on_the_host_reaches_every_endpoint_and_keeps_the_key(server):
    before = {port: presented(port, options) for port, options in ENDPOINTS}
    assert len({serial for serial, _, _ in before.values()}) == 1, before
    assert run("systemctl", "is-enabled", "certbot.timer").strip() == "enabled"
    # What certbot.service runs, forced (the certificate is not due for weeks),
    # without the random wait of up to 8 minutes that spreads renewals over time.
    run("certbot", "-q", "renew", "--force-renewal", "--no-random-sleep-on-renew")
    after = {port: presented(port, options) for port, options in ENDPOINTS}
    for port, _ in ENDPOINTS:
        assert after[port][2] == "0 (ok)", f"port {port}: {after[port][2]}"
        assert after[port][0] != before[port][0], f"port {port} still presents {before[port][0]}"
        # --reuse-key: the same public key, so a published TLSA 3 1 1 record stays true.
        assert after[port][1] == before[port][1], f"port {port} has a new key"
    assert len({serial for serial, _, _ in after.values()}) == 1, after


def test_a_rerun_changes_nothing_and_orders_no_certificate(server):
    serial = presented(25, "-starttls smtp")[0]
    again = converge(server.inventory)
    assert again.returncode == 0 and re.search(r"changed=0\s", again.stdout), again.stdout[-3000:]
    assert presented(25, "-starttls smtp")[0] == serial
