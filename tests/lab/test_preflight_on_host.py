"""What the preflight finds on the host itself stops the playbook before it changes anything.

Each case prepares a fresh lab container, then runs site.yml: a mail port
already held by another program (the classic: Debian's exim4 on 25), an
operating system postdove does not support, a target the controller's
ansible-core is too new for (os-release rewritten to say CentOS 7, driven by
the newest ansible-core in .venv-newest), a feature CentOS 7's Postfix
lacks (outbound DANE) and one EL has no package for (outbound MTA-STS).
"""

from __future__ import annotations

import subprocess

import pytest

from postdove.testing.lab import NEWEST_ANSIBLE_PLAYBOOK as NEWEST
from postdove.testing.lab import converge, lab_host, sh
from postdove.testing.proof_log import record

pytestmark = pytest.mark.lab

NAME = "postdove-preflight"
SSH_PORT = 2245


@pytest.fixture
def host(tmp_path):
    with lab_host(tmp_path, NAME, SSH_PORT) as lab:
        yield lab.inventory


def assert_refused_before_any_change(result: subprocess.CompletedProcess[str], message: str, what: str) -> None:
    output = result.stdout + result.stderr
    refused = result.returncode != 0 and message in output
    record("bad input", what, f"refused before any change: {refused}", refused)
    assert refused, output[-3000:]
    assert "changed=0" in output and "mail_host : Ensure" not in output


@pytest.mark.parametrize("port", [25, 993])
def test_a_foreign_listener_on_a_mail_port(host, port):
    sh("podman", "exec", NAME, "systemd-run", "--unit=squatter", "python3", "-m", "http.server", str(port))
    assert_refused_before_any_change(converge(host), f"port {port} held by python3", f"port clash on {port}")


def test_an_unsupported_operating_system(host):
    sh(
        "podman",
        "exec",
        NAME,
        "sh",
        "-c",
        "printf 'ID=ubuntu\\nID_LIKE=debian\\nVERSION_ID=\"24.04\"\\n' >/etc/os-release",
    )
    assert_refused_before_any_change(converge(host), "This host runs ubuntu-24", "unsupported OS (Ubuntu 24.04)")


@pytest.mark.skipif(not NEWEST.exists(), reason="needs .venv-newest (tools/setup)")
def test_a_controller_too_new_for_centos_7(host):
    os_release = 'ID="centos"\\nID_LIKE="rhel fedora"\\nVERSION_ID="7"\\n'
    sh("podman", "exec", NAME, "sh", "-c", f"printf '{os_release}' >/etc/os-release")
    result = converge(host, ansible_playbook=str(NEWEST))
    assert_refused_before_any_change(result, "cannot manage RedHat-7", "ansible-core 2.19 against CentOS 7")


# Features a target's packages lack, refused by name (os-release faked; the lab
# container's Python: the refusal comes before any module needs the target's).
MISSING_FEATURES = [
    pytest.param(
        'ID="centos"\\nID_LIKE="rhel fedora"\\nVERSION_ID="7"\\n',
        "mail_outbound_dane",
        "Postfix 2.10.1 has no DANE",
        "outbound DANE on CentOS 7",
        id="outbound DANE on CentOS 7",
    ),
    pytest.param(
        'ID="rocky"\\nID_LIKE="rhel centos fedora"\\nVERSION_ID="9.4"\\n',
        "mail_outbound_mta_sts",
        "no MTA-STS resolver",
        "outbound MTA-STS on Rocky 9",
        id="outbound MTA-STS on Rocky 9 (no resolver in EPEL)",
    ),
]


@pytest.mark.parametrize(("os_release", "variable", "message", "what"), MISSING_FEATURES)
def test_a_feature_the_target_lacks(host, os_release, variable, message, what):
    sh("podman", "exec", NAME, "sh", "-c", f"printf '{os_release}' >/etc/os-release")
    extra = f'{{"{variable}": true, "ansible_python_interpreter": "/usr/bin/python3"}}'
    assert_refused_before_any_change(converge(host, "-e", extra), message, what)
