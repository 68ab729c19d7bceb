"""Fixtures for the Molecule verifier: the server and client containers, and the lab's secrets.

Helpers shared with other tests are in postdove.testing (mail, ansible, proof_log, ...).

The containers are reached with testinfra's podman backend (podman exec),
which is about ten times faster than going through Ansible. Network checks
run from the client container, over the scenario's podman network.
"""

from __future__ import annotations

import os

import pytest
import testinfra
import yaml

from postdove.testing.containers import container_address, retry_exec_start_failures
from postdove.testing.example_vault import EXAMPLE_VARS, example_passwords

retry_exec_start_failures()

# The lab builds CentOS 7's Postfix 2.10.1 without TLS (molecule/el-daemons):
# its TLS code needs OpenSSL 1.0.x, which cannot be had here.
POSTFIX_WITHOUT_TLS = os.environ.get("POSTDOVE_EL_TARGET") == "el7"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip, saying why, what this scenario's Postfix cannot do (markers postfix_tls, postfix_without_tls)."""
    for item in items:
        if POSTFIX_WITHOUT_TLS and item.get_closest_marker("postfix_tls"):
            reason = "the lab's Postfix 2.10.1 has no TLS (it needs OpenSSL 1.0.x); SASL is tested in clear text on 25"
            item.add_marker(pytest.mark.skip(reason=reason))
        if not POSTFIX_WITHOUT_TLS and item.get_closest_marker("postfix_without_tls"):
            item.add_marker(pytest.mark.skip(reason="only where Postfix has no TLS (the lab's Postfix 2.10.1)"))


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
    return example_passwords()


@pytest.fixture(scope="session")
def postfix_has_tls() -> bool:
    return not POSTFIX_WITHOUT_TLS


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


@pytest.fixture(scope="session")
def server_address(server_name: str) -> str:
    """The server container's address on the scenario network, for tools that run on the controller."""
    return container_address(server_name)
