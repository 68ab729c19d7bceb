"""Secrets: clear passwords reach neither Ansible's -vvv output nor the server's disk or logs.

The clear passwords are the vault's; the verifier's own SMTP and IMAP logins
have already sent them to the server (over TLS) by the time these run, so
logs that recorded credentials would show them here.
"""

from __future__ import annotations

import pytest

from postdove.testing.ansible import failed_tasks, run_converge
from postdove.testing.proof_log import record

# Where a leaked password could land on the server: configs, logs, homes, spools, state, temp files.
SEARCHED = "/etc /var/log /var/spool /var/lib /var/tmp /tmp /root /home /usr/local"


@pytest.fixture(scope="module")
def verbose_run() -> str:
    result = run_converge("-vvv")
    if result.returncode != 0:
        pytest.fail(failed_tasks(result.stdout + result.stderr))
    return result.stdout + result.stderr


def test_passwords_are_not_in_ansibles_verbose_output(verbose_run, passwords):
    leaked = [user for user, password in passwords.items() if password in verbose_run]
    record("secret", "clear passwords in ansible-playbook -vvv output", f"leaked: {leaked or 'none'}", not leaked)
    assert leaked == []
    assert "the output has been hidden" in verbose_run, "the user task must run with no_log"


def test_passwords_are_not_on_the_servers_disk(server, passwords):
    for user, password in passwords.items():
        found = server.run(f"grep -rlF --exclude-dir=proc -- {password!r} {SEARCHED}").stdout.split()
        record("secret", f"{user}'s clear password on the server's disk", f"files: {found or 'none'}", not found)
        assert found == []


def test_passwords_are_not_in_the_journal(server, passwords):
    journal = server.run("journalctl --no-pager -o cat").stdout
    assert "postfix" in journal, "the journal should hold the mail logs"
    leaked = [user for user, password in passwords.items() if password in journal]
    record("secret", "clear passwords in the system journal", f"leaked: {leaked or 'none'}", not leaked)
    assert leaked == []


def test_only_hashes_are_stored(server):
    for user in ("test", "hello"):
        stored = server.check_output(f"getent shadow {user}").split(":")[1]
        assert stored.startswith("$6$") and len(stored) > 90


@pytest.mark.parametrize(
    ("path", "owner", "group", "mode"),
    [
        ("/etc/postfix/main.cf", "root", "root", 0o644),
        ("/etc/postfix/postdove_sender_logins", "root", "root", 0o644),
        ("/etc/dovecot/conf.d/10-ssl.conf", "root", "root", 0o644),
        ("/home/test/Maildir", "test", "test", 0o700),
        ("/home/hello/Maildir", "hello", "hello", 0o700),
    ],
)
def test_owner_and_mode(server, path, owner, group, mode):
    target = server.file(path)
    assert (target.user, target.group, target.mode) == (owner, group, mode)
