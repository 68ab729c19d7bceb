"""Helpers for tests that provision their own lab container (tools/test stage "lab")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "molecule/verify"))


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def start_container(name: str, ssh_port: int, *podman_args: str) -> str:
    """A fresh lab container (lab/start); returns its address on the lab network."""
    sh(str(PROJECT / "lab/start"), name, str(ssh_port), "server.hello.com", *podman_args)
    return sh("podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).strip()


def write_inventory(directory: Path, name: str, ssh_port: int) -> Path:
    """The lab inventory (example group_vars) for container `name` on `ssh_port`."""
    (directory / "group_vars").symlink_to(PROJECT / "inventories/example/group_vars")
    lab = yaml.safe_load((PROJECT / "inventories/lab/hosts.yml").read_text())["mailservers"]["hosts"]["postdove-lab"]
    host = {**lab, "ansible_port": ssh_port, "ansible_ssh_private_key_file": str(PROJECT / ".lab/ssh/id_ed25519")}
    host |= yaml.safe_load((PROJECT / "inventories/lab/host_vars/postdove-lab.yml").read_text())
    hosts = directory / "hosts.yml"
    hosts.write_text(yaml.safe_dump({"mailservers": {"hosts": {name: host}}}))
    return hosts


def converge(hosts: Path, ansible_playbook: str = "ansible-playbook") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ansible_playbook, "-i", str(hosts), str(PROJECT / "site.yml")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
