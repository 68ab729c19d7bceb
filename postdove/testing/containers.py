"""Commands on this machine, and lab containers' addresses."""

from __future__ import annotations

import subprocess


def sh(*args: str) -> str:
    """Run a command here; its standard output (a failure raises CalledProcessError)."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def container_address(name: str) -> str:
    """The container's address on its podman network, for tools that run on the controller."""
    return sh("podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).strip()
