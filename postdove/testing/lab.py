"""A fresh lab container with its inventory, for the tests that provision their own (tests/lab)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from postdove.testing.ansible import Result, run_playbook
from postdove.testing.containers import container_address, sh
from postdove.testing.project import PROJECT

__all__ = [
    "GUIDE_SERVER_13",
    "NEWEST_ANSIBLE_PLAYBOOK",
    "PROJECT",
    "TRUSTED_SERVER",
    "Result",
    "converge",
    "guide_check_arrives",
    "lab_host",
    "sh",
    "start_container",
]

# The container tests/lab/conftest.py's trusted_server fixture converges once
# for the issue-11 tests (DKIM, DNS facts, an ACME certificate).
TRUSTED_SERVER = "postdove-trusted"
# The Debian 13 guide server the newest-core and certificate tests share (tests/lab/conftest.py).
GUIDE_SERVER_13 = "postdove-guide13"

# The newest ansible-core this controller runs (tools/newest-controller.txt).
NEWEST_ANSIBLE_PLAYBOOK = PROJECT / ".venv-newest/bin/ansible-playbook"


def start_container(name: str, ssh_port: int, *podman_args: str, debian: str = "12") -> str:
    """A fresh lab container (lab/start) of Debian `debian`; returns its address on the lab network."""
    lab_start = [str(PROJECT / "lab/start"), name, str(ssh_port), "server.hello.com", *podman_args]
    subprocess.run(lab_start, check=True, capture_output=True, env={**os.environ, "POSTDOVE_DEBIAN": debian})
    return container_address(name)


def write_inventory(directory: Path, name: str, ssh_port: int, **host_vars: object) -> Path:
    """The lab inventory (example group_vars) for container `name` on `ssh_port`, plus `host_vars`."""
    (directory / "group_vars").symlink_to(PROJECT / "inventories/example/group_vars")
    lab = yaml.safe_load((PROJECT / "inventories/lab/hosts.yml").read_text())["mailservers"]["hosts"]["postdove-lab"]
    # The key lab/start authorizes: lab/env.sh's POSTDOVE_SSH_KEY, or the checkout's own.
    key = os.environ.get("POSTDOVE_SSH_KEY") or str(PROJECT / ".lab/ssh/id_ed25519")
    host = {**lab, "ansible_port": ssh_port, "ansible_ssh_private_key_file": key}
    host |= yaml.safe_load((PROJECT / "inventories/lab/host_vars/postdove-lab.yml").read_text()) | host_vars
    hosts = directory / "hosts.yml"
    hosts.write_text(yaml.safe_dump({"mailservers": {"hosts": {name: host}}}))
    return hosts


def converge(hosts: Path, *options: str, ansible_playbook: str = "ansible-playbook") -> Result:
    """site.yml on the inventory `hosts`."""
    return run_playbook(hosts, PROJECT / "site.yml", *options, ansible_playbook=ansible_playbook)


@dataclass(frozen=True)
class LabHost:
    inventory: Path
    address: str


@contextmanager
def lab_host(
    directory: Path, name: str, ssh_port: int, *podman_args: str, debian: str = "12", **host_vars: object
) -> Iterator[LabHost]:
    """A fresh lab container with its inventory in `directory`; removed afterwards."""
    try:
        address = start_container(name, ssh_port, *podman_args, debian=debian)
        yield LabHost(write_inventory(directory, name, ssh_port, **host_vars), address)
    finally:
        subprocess.run(["podman", "rm", "-f", name], capture_output=True)


def guide_check_arrives(container: str, timeout: float = 30.0) -> bool:
    """The guide's own check, run as user test; True once a message is in hello's Maildir/new."""
    guide_check = "echo 'postfix test' | su -s /bin/sh test -c \"mail -s hello hello@hello.com\""
    sh("podman", "exec", container, "sh", "-c", guide_check)
    deadline = time.monotonic() + timeout
    while not sh("podman", "exec", container, "ls", "/home/hello/Maildir/new").split():
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True
