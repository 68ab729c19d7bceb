"""Fixtures for the Molecule verifier: the server and client containers, and the lab's secrets.

The containers are reached with testinfra's podman backend (podman exec),
which is about ten times faster than going through Ansible. Network checks
run from the client container, over the scenario's podman network.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import testinfra
import yaml
from example_vault import EXAMPLE_VARS, example_passwords

PROJECT = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="session")
def server_address(server_name: str) -> str:
    """The server container's address on the scenario network, for tools that run on the controller."""
    return subprocess.run(
        ["podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", server_name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


# Runs inside a container (or here): speaks raw SMTP so that line endings are
# exactly what a test wrote. argv[1] is JSON [host, port, mode, steps]; mode is
# plain or tls (TLS from the first byte); a step "STARTTLS" also upgrades the
# connection. Prints the replies (greeting first) as JSON [[code, text], ...].
SMTP_DIALOGUE = r"""
import json, socket, ssl, sys
host, port, mode, steps = json.loads(sys.argv[1])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
sock = socket.create_connection((host, port), timeout=30)
if mode == "tls":
    sock = context.wrap_socket(sock, server_hostname=host)
def reply():
    lines = []
    stream = sock.makefile("rb")
    while True:
        line = stream.readline()
        if not line:
            lines.append(b"000 connection closed")
            break
        lines.append(line.rstrip(b"\r\n"))
        if line[3:4] != b"-":
            break
    return [int(lines[-1][:3]), b" ".join(l[4:] for l in lines).decode("latin-1")]
replies = [reply()]
for step in steps:
    sock.sendall(step.encode("latin-1"))
    replies.append(reply())
    if replies[-1][0] == 0:
        break
    if step.upper().startswith("STARTTLS") and replies[-1][0] == 220:
        sock = context.wrap_socket(sock, server_hostname=host)
print(json.dumps(replies))
"""


def smtp_dialogue(host: testinfra.host.Host, server: str, port: int, steps: list[str], mode: str = "plain"):
    """Send each raw step (with its own line endings) from `host`; return [(code, text), ...] replies."""
    argument = json.dumps([server, port, mode, steps])
    out = host.check_output(f"python3 -c {shlex.quote(SMTP_DIALOGUE)} {shlex.quote(argument)}")
    return [tuple(r) for r in json.loads(out)]


def run_converge(*args: str) -> subprocess.CompletedProcess[str]:
    """Run site.yml against this scenario's hosts again, as Molecule's converge does."""
    ephemeral = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ephemeral / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(PROJECT / "roles"),
        "ANSIBLE_COLLECTIONS_PATH": str(PROJECT / ".collections"),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(PROJECT / "inventories/example/vault-password"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }
    return subprocess.run(
        [
            "ansible-playbook",
            "-i",
            str(ephemeral / "inventory"),
            "--limit",
            "mailservers",
            str(PROJECT / "site.yml"),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def failed_tasks(output: str) -> str:
    """The failure reports in ansible-playbook output (assertion messages get truncated)."""
    lines = output.splitlines()
    marks = [i for i, line in enumerate(lines) if line.startswith(("fatal:", "failed:", "ERROR!"))]
    return "\n".join("\n".join(lines[max(i - 2, 0) : i + 14]) for i in marks) or output[-2000:]
