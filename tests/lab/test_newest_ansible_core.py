"""The newest ansible-core this controller runs converges Debian 13, and the guide's mail arrives.

pyproject.toml pins ansible-core 2.16, the last that manages CentOS 7; the
Molecule scenarios run on it. This converges a fresh Debian 13 container
(Python 3.13) once with .venv-newest's ansible-core (tools/newest-controller.txt),
runs it again for idempotence, and sends the guide's test mail. The container
is conftest.py's guide_server_13, which test_selfsigned_certificate.py uses next.
"""

from __future__ import annotations

import re

import pytest

from postdove.testing.lab import GUIDE_SERVER_13 as NAME
from postdove.testing.lab import NEWEST_ANSIBLE_PLAYBOOK as NEWEST
from postdove.testing.lab import LabHost, converge, guide_check_arrives, sh

pytestmark = pytest.mark.lab


@pytest.mark.skipif(not NEWEST.exists(), reason="needs .venv-newest (tools/setup)")
def test_newest_ansible_core_converges_debian_13(guide_server_13: LabHost) -> None:
    debian13 = guide_server_13.inventory
    core = sh(str(NEWEST.with_name("ansible")), "--version").splitlines()[0]
    first = converge(debian13, ansible_playbook=str(NEWEST))
    assert first.returncode == 0, f"{core}\n{first.stdout[-4000:]}"
    second = converge(debian13, ansible_playbook=str(NEWEST))
    assert second.returncode == 0 and re.search(r"changed=0\s", second.stdout), second.stdout[-3000:]
    python = sh("podman", "exec", NAME, "python3", "--version")
    assert python.startswith("Python 3.13"), python
    assert guide_check_arrives(NAME), "the guide's mail did not arrive"
