"""The lab server the issue-11 tests share: one converge with DKIM, inbound checks, the DNS facts and ACME.

test_dkim_and_dns.py, test_inbound_checks.py and test_acme.py all need a converged Debian 12 server
with the options that make other servers trust it; one container and one
converge (plus the idempotence re-run) serve both, which keeps the lab stage's
time in CI's budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from postdove.testing.lab import TRUSTED_SERVER, converge, lab_host
from postdove.testing.pebble import DIRECTORY, save_pebble_root, start_pebble

SSH_PORT = 2254


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
