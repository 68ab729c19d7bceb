"""The lab servers several test files share, which keeps the lab stage's time in CI's budget.

trusted_server: test_dkim_and_dns.py, test_inbound_checks.py and test_acme.py all
need a converged Debian 12 server with the options that make other servers
trust it; one container and one converge (plus the idempotence re-run) serve them.

guide_server_13: a Debian 13 container with the guide's inventory, not yet
converged. test_newest_ansible_core.py converges it first (with the newest
ansible-core), then test_selfsigned_certificate.py works on the converged
server instead of paying for a fresh converge of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from postdove.testing.lab import GUIDE_SERVER_13, TRUSTED_SERVER, LabHost, converge, lab_host
from postdove.testing.pebble import DIRECTORY, save_pebble_root, start_pebble

SSH_PORT = 2254
GUIDE_SERVER_13_SSH_PORT = 2248


@dataclass(frozen=True)
class TrustedServer:
    name: str
    inventory: Path
    dns_facts: Path  # the mail_dns role's directory on the controller
    ca_root: str  # pebble's root, a file in the container


@pytest.fixture(scope="session")
def trusted_server(tmp_path_factory) -> Iterator[TrustedServer]:
    directory = tmp_path_factory.mktemp("trusted")
    host_vars = {
        "mail_virtual_aliases": {"info@hello.org": ["test"]},
        "mail_dns_addresses": ["192.0.2.10"],
        "mail_dns_dmarc_rua": "dmarc@hello.com",
        "mail_dns_tls_rpt_rua": "mailto:tls@hello.com",
        "mail_dkim_selectors": ["mail"],
        "mail_inbound_checks": True,
        # test_inbound_checks.py's NSD (Debian's OpenDKIM would ask the root servers).
        "mail_inbound_nameservers": ["127.0.0.1"],
        "mail_tls_mode": "acme",
        "mail_tls_acme_email": "hostmaster@hello.com",
        "mail_tls_acme_agree_tos": True,
        "mail_tls_acme_directory": DIRECTORY,
    }
    with lab_host(directory, TRUSTED_SERVER, SSH_PORT, **host_vars) as lab:
        start_pebble(TRUSTED_SERVER)
        result = converge(lab.inventory)
        assert result.returncode == 0, result.stdout[-4000:]
        again = converge(lab.inventory)
        assert again.returncode == 0 and re.search(r"changed=0\s", again.stdout), again.stdout[-3000:]
        yield TrustedServer(TRUSTED_SERVER, lab.inventory, directory / "postdove-dns", save_pebble_root(TRUSTED_SERVER))


@pytest.fixture(scope="session")
def guide_server_13(tmp_path_factory) -> Iterator[LabHost]:
    with lab_host(tmp_path_factory.mktemp("guide13"), GUIDE_SERVER_13, GUIDE_SERVER_13_SSH_PORT, debian="13") as lab:
        yield lab
