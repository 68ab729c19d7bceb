"""mail_mailbox_command: the guide's external MDA. procmail files by the user's recipe, else into ~/Maildir/.

A Debian 13 container (procmail 3.24) is converged with local delivery
through procmail; hello's ~/.procmailrc files invoices into a Maildir
folder, and Dovecot shows that folder over IMAP.
"""

from __future__ import annotations

import time

import pytest

from postdove.testing.lab import converge, lab_host, sh

pytestmark = pytest.mark.lab

NAME = "postdove-procmail"
SSH_PORT = 2251
RECIPE = ":0\\n* ^Subject:.*invoice\\n.Invoices/\\n"


def run(*command: str) -> str:
    return sh("podman", "exec", NAME, *command)


def files_in(directory: str, timeout: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        found = run("sh", "-c", f"ls {directory} 2>/dev/null || true").split()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.fixture
def procmail_host(tmp_path):
    command = '/usr/bin/procmail -a "$EXTENSION"'
    with lab_host(tmp_path, NAME, SSH_PORT, debian="13", mail_mailbox_command=command) as lab:
        yield lab.inventory


def test_procmail_delivers_by_recipe_and_by_default_into_maildir(procmail_host):
    result = converge(procmail_host)
    assert result.returncode == 0, result.stdout[-4000:]
    assert run("postconf", "-h", "mailbox_command").strip() == '/usr/bin/procmail -a "$EXTENSION"'
    run("sh", "-c", f"printf '{RECIPE}' > /home/hello/.procmailrc && chown hello: /home/hello/.procmailrc")

    send = "echo body | su -s /bin/sh test -c \"mail -s '{}' hello@hello.com\""
    run("sh", "-c", send.format("your invoice"))
    run("sh", "-c", send.format("lunch"))

    assert files_in("/home/hello/Maildir/.Invoices/new"), "the recipe did not file the invoice"
    inbox = files_in("/home/hello/Maildir/new")
    assert len(inbox) == 1, f"want only the other message in the inbox, got {inbox}"
    assert "Subject: lunch" in run("sh", "-c", f"cat /home/hello/Maildir/new/{inbox[0]}")
    # Dovecot lists procmail's folder (Maildir++ layout) like any other.
    assert "Invoices" in run("doveadm", "mailbox", "list", "-u", "hello")
