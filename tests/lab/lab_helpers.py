"""Helpers for tests that provision their own lab container (tools/test stage "lab")."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

Result = subprocess.CompletedProcess[str]

PROJECT = Path(__file__).resolve().parents[2]
# The newest ansible-core this controller runs (tools/newest-controller.txt).
NEWEST_ANSIBLE_PLAYBOOK = PROJECT / ".venv-newest/bin/ansible-playbook"
sys.path.insert(0, str(PROJECT / "molecule/verify"))


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def start_container(name: str, ssh_port: int, *podman_args: str, debian: str = "12") -> str:
    """A fresh lab container (lab/start) of Debian `debian`; returns its address on the lab network."""
    lab_start = [str(PROJECT / "lab/start"), name, str(ssh_port), "server.hello.com", *podman_args]
    subprocess.run(lab_start, check=True, capture_output=True, env={**os.environ, "POSTDOVE_DEBIAN": debian})
    return sh("podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).strip()


def write_inventory(directory: Path, name: str, ssh_port: int, **host_vars: object) -> Path:
    """The lab inventory (example group_vars) for container `name` on `ssh_port`, plus `host_vars`."""
    (directory / "group_vars").symlink_to(PROJECT / "inventories/example/group_vars")
    lab = yaml.safe_load((PROJECT / "inventories/lab/hosts.yml").read_text())["mailservers"]["hosts"]["postdove-lab"]
    host = {**lab, "ansible_port": ssh_port, "ansible_ssh_private_key_file": str(PROJECT / ".lab/ssh/id_ed25519")}
    host |= yaml.safe_load((PROJECT / "inventories/lab/host_vars/postdove-lab.yml").read_text()) | host_vars
    hosts = directory / "hosts.yml"
    hosts.write_text(yaml.safe_dump({"mailservers": {"hosts": {name: host}}}))
    return hosts


def converge(hosts: Path, *options: str, ansible_playbook: str = "ansible-playbook") -> Result:
    return subprocess.run(
        [ansible_playbook, "-i", str(hosts), str(PROJECT / "site.yml"), *options],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )


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
