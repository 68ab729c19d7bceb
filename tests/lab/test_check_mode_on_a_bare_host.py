"""`site.yml --check --diff` on a bare host shows what it would do and changes nothing.

README's first advice for a new server is a check-mode run. Each case starts
a fresh lab container, as bare as a new server: no package index fetched yet
(or fetched, as after an admin's `apt-get update`), no Postfix or Dovecot, and
on Debian 13 no D-Bus (the lab image leaves it out, as minimal hosts do).
One case also signs with DKIM (RSA and ed25519) and checks what arrives.
"""

from __future__ import annotations

import subprocess

import pytest

from postdove.testing.lab import converge, lab_host, sh

pytestmark = pytest.mark.lab

NAME = "postdove-bare"
SSH_PORT = 2246
# The start of a line of each file the admin must see in the diff before the first real run.
DIFF_LINES = {
    "main.cf": "+myhostname = server.hello.com",
    "master.cf": "+submission inet n",
    "dovecot.conf": "+protocols = imap pop3",
    "conf.d/10-auth.conf": "+auth_mechanisms = plain login",
    "conf.d/10-mail.conf": "+mail_privileged_group = mail",
    "conf.d/10-master.conf": "+service auth {",
    "conf.d/10-ssl.conf": "+ssl = required",
}
INTERNET_FEATURES = {
    "mail_dkim_selectors": ["mail"],
    "mail_dkim_ed25519_selectors": ["ed"],
    "mail_inbound_checks": True,
}


@pytest.fixture
def bare_host(request, tmp_path):
    debian, apt_index, host_vars = request.param
    with lab_host(tmp_path, NAME, SSH_PORT, debian=debian, **host_vars) as lab:
        if apt_index:
            sh("podman", "exec", NAME, "apt-get", "update", "-q")
        yield lab.inventory, host_vars


@pytest.mark.parametrize(
    "bare_host",
    [("12", False, {}), ("13", False, {}), ("13", True, INTERNET_FEATURES)],
    ids=["debian12-no-apt-index", "debian13-no-apt-index-no-dbus", "debian13-apt-index-dkim-inbound-checks"],
    indirect=True,
)
def test_check_mode_shows_the_packages_and_config_diffs_and_changes_nothing(bare_host):
    inventory, host_vars = bare_host
    result = converge(inventory, "--check", "--diff")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    installs = [line for line in output.splitlines() if line.startswith(("Inst ", "The following NEW packages"))]
    assert installs, "no package install shown"
    packages = ["postfix", "dovecot-core", "dovecot-imapd", "python3-cryptography"]
    if host_vars:
        packages += ["opendkim", "rspamd"]
    for package in packages:
        assert f" {package}" in output, package
    lines = output.splitlines()
    missing = [name for name, start in DIFF_LINES.items() if not any(line.startswith(start) for line in lines)]
    assert missing == [], f"no diff shown for {missing}"
    # Nothing was installed or written.
    assert subprocess.run(["podman", "exec", NAME, "dpkg", "-s", "postfix"], capture_output=True).returncode != 0
    assert subprocess.run(["podman", "exec", NAME, "test", "-e", "/etc/dovecot"], capture_output=True).returncode != 0
    assert subprocess.run(["podman", "exec", NAME, "id", "hello"], capture_output=True).returncode != 0
