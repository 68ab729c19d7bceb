"""The self-signed certificate is renewed, repaired and re-keyed when it must be, and left alone otherwise.

A re-run reads the key and certificate and skips the tasks that make them when
both are as the inventory asks (issue 13); these are the cases where they are
not. The Debian 13 guide server of conftest.py (already converged by
test_newest_ansible_core.py when both run; else converged here), then:
a certificate near its end is renewed on the same key; a key whose mode was
opened by hand is closed again and keeps its certificate; the modern TLS
profile makes a new ECDSA key and certificate; each converge is followed by a
re-run that changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from postdove.testing.lab import GUIDE_SERVER_13 as NAME
from postdove.testing.lab import LabHost, Result, converge, sh

pytestmark = pytest.mark.lab

CERT = "/etc/ssl/certs/postdove-mail.pem"
KEY = "/etc/ssl/private/postdove-mail.key"


def run(*command: str) -> str:
    return sh("podman", "exec", NAME, *command)


def serial() -> str:
    return run("openssl", "x509", "-in", CERT, "-noout", "-serial").strip()


def public_key() -> str:
    return run("openssl", "pkey", "-in", KEY, "-pubout")


def changed(result: Result) -> int:
    assert result.returncode == 0, result.stdout[-4000:]
    return int(re.findall(r"changed=(\d+)", result.stdout)[-1])


def converge_twice(lab: LabHost, *options: str) -> int:
    """Converge, then re-run: the re-run must change nothing; returns the first's changed count."""
    first = changed(converge(lab.inventory, *options))
    assert changed(converge(lab.inventory, *options)) == 0
    return first


@pytest.fixture(scope="module")
def lab(guide_server_13: LabHost) -> Iterator[LabHost]:
    # Already converged by the newest-core test: this first run is a re-run.
    if changed(converge(guide_server_13.inventory)) > 0:
        assert changed(converge(guide_server_13.inventory)) == 0
    yield guide_server_13


def test_a_certificate_near_its_end_is_renewed_on_the_same_key(lab: LabHost) -> None:
    key, old_serial = public_key(), serial()
    # A valid certificate for the same key and names, ending in 10 days (under the 30 of renew_days).
    run(
        "openssl", "req", "-x509", "-key", KEY, "-out", CERT, "-days", "10", "-subj", "/CN=server.hello.com",
        "-addext", "subjectAltName=DNS:server.hello.com,DNS:hello.com",
    )  # fmt: skip
    near_end = serial()
    assert converge_twice(lab) > 0
    assert serial() not in (old_serial, near_end)
    assert public_key() == key
    # Good for more than 30 days again.
    assert run("sh", "-c", f"openssl x509 -in {CERT} -noout -checkend 2592000 && echo ok").split()[-1] == "ok"


def test_a_key_opened_by_hand_is_closed_and_keeps_its_certificate(lab: LabHost) -> None:
    key, kept_serial = public_key(), serial()
    run("chmod", "0644", KEY)
    assert converge_twice(lab) > 0
    assert run("stat", "-c", "%a %U %G", KEY).split() == ["600", "root", "root"]
    assert public_key() == key and serial() == kept_serial


def test_the_modern_profile_makes_a_new_ecdsa_key_and_certificate(lab: LabHost) -> None:
    old_serial = serial()
    assert converge_twice(lab, "-e", "mail_tls_profile=modern") > 0
    assert "id-ecPublicKey" in run("openssl", "x509", "-in", CERT, "-noout", "-text")
    assert serial() != old_serial
    # The certificate is for the new key.
    assert run("openssl", "x509", "-in", CERT, "-noout", "-pubkey") == public_key()
