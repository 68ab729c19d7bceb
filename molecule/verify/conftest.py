"""Fixtures for the Molecule verifier: the server and client containers, and the lab's secrets.

The containers are reached with testinfra's podman backend (podman exec),
which is about ten times faster than going through Ansible. Network checks
run from the client container, over the scenario's podman network.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import testinfra
import yaml

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLE_VARS = PROJECT / "inventories/example/group_vars/mailservers"


def _host(name: str) -> testinfra.host.Host:
    return testinfra.get_host(f"podman://{name}")


@pytest.fixture(scope="session")
def server_name() -> str:
    return os.environ.get("POSTDOVE_SERVER", "postdove-mail")


@pytest.fixture(scope="session")
def server(server_name: str) -> testinfra.host.Host:
    return _host(server_name)


@pytest.fixture(scope="session")
def client() -> testinfra.host.Host:
    return _host(os.environ.get("POSTDOVE_CLIENT", "postdove-client"))


@pytest.fixture(scope="session")
def mail_delivery() -> str:
    return os.environ.get("POSTDOVE_MAIL_DELIVERY", "local")


@pytest.fixture(scope="session")
def inventory() -> dict[str, object]:
    return yaml.safe_load((EXAMPLE_VARS / "main.yml").read_text())


@pytest.fixture(scope="session")
def passwords() -> dict[str, str]:
    """The example vault's clear-text passwords, as an admin's client would know them."""
    plain = subprocess.run(
        [
            "ansible-vault",
            "view",
            "--vault-password-file",
            str(PROJECT / "inventories/example/vault-password"),
            str(EXAMPLE_VARS / "vault.yml"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    secrets = yaml.safe_load(plain)
    return {"test": secrets["vault_mail_password_test"], "hello": secrets["vault_mail_password_hello"]}


def unique_subject(label: str) -> str:
    return f"postdove-{label}-{uuid.uuid4().hex[:12]}"


def wait_for_mail(server: testinfra.host.Host, user: str, token: str, timeout: float = 30.0) -> list[str]:
    """Return the Maildir files of `user` that contain `token`, waiting for delivery."""
    deadline = time.monotonic() + timeout
    while True:
        found = server.run(f"grep -l -r -F -- {token} /home/{user}/Maildir/new /home/{user}/Maildir/cur")
        files = found.stdout.split()
        if files or time.monotonic() > deadline:
            return files
        time.sleep(0.5)


def send_with_swaks(client: testinfra.host.Host, server_name: str, options: str, subject: str):
    """Send one message with swaks from the client container; `options` are swaks flags, shell-quoted."""
    return client.run(f"swaks --server {server_name} {options} --header 'Subject: {subject}'")


@pytest.fixture(scope="session")
def tls_mode() -> str:
    return os.environ.get("POSTDOVE_TLS_MODE", "selfsigned")


@pytest.fixture(scope="session")
def tls_files(server: testinfra.host.Host) -> dict[str, str]:
    """The certificate and key the running Postfix uses (the paths differ between Debian and EL)."""
    return {
        "cert": server.check_output("postconf -h smtpd_tls_cert_file"),
        "key": server.check_output("postconf -h smtpd_tls_key_file"),
    }
