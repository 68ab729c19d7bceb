"""A mail port held by another program stops the playbook before it changes anything.

The classic case: Debian's exim4, or sendmail, already on port 25. Here a
Python listener plays it in a fresh lab container.
"""

from __future__ import annotations

import subprocess

import pytest
from lab_helpers import converge, sh, start_container, write_inventory
from proof_log import record

pytestmark = pytest.mark.lab

NAME = "postdove-clash"
SSH_PORT = 2245


@pytest.mark.parametrize("port", [25, 993])
def test_a_foreign_listener_on_a_mail_port_fails_before_any_change(tmp_path, port):
    try:
        start_container(NAME, SSH_PORT)
        sh("podman", "exec", NAME, "systemd-run", "--unit=squatter", "python3", "-m", "http.server", str(port))
        result = converge(write_inventory(tmp_path, NAME, SSH_PORT))
        output = result.stdout + result.stderr
        refused = result.returncode != 0 and f"port {port} held by python3" in output
        record("bad input", f"port clash: another program on {port}", f"refused before any change: {refused}", refused)
        assert refused, output[-3000:]
        assert "changed=0" in output and "mail_host : Ensure" not in output
    finally:
        subprocess.run(["podman", "rm", "-f", NAME], capture_output=True)
