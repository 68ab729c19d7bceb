"""mail_virtual_domains: users who are not Unix accounts, beside the guide's system users.

alice@hello.info (a clear password from vault) and bob@hello.info (a hash in
the inventory) have mailboxes under the vmail uid in /var/vmail, delivered by
Dovecot LMTP; they log in with their full address, submit with SASL and may
send only as themselves; other addresses of hello.info are refused at RCPT
time. The system users keep working as before, by name and by address.
"""

from __future__ import annotations

import pytest

from postdove.testing.mail import send_with_swaks, smtp_dialogue, unique_subject, wait_for_mail

ALICE = "/var/vmail/hello.info/alice/Maildir"
BOB_PASSWORD = "bob-example-password"


def imaps_login(client, server_name: str, login: str, password: str):
    return client.run(
        f"curl --silent --show-error --insecure --max-time 20 -u '{login}:{password}' 'imaps://{server_name}/INBOX'"
    )


def submit_as(client, server_name: str, login: str, password: str, sender: str, recipient: str, subject: str):
    options = (
        f"--port 587 --tls --auth PLAIN --auth-user '{login}' --auth-password '{password}' "
        f"--from {sender} --to {recipient}"
    )
    return send_with_swaks(client, server_name, options, subject)


def test_mail_from_outside_lands_in_the_vmail_mailbox(client, server, server_name):
    subject = unique_subject("vmail")
    sent = send_with_swaks(client, server_name, "--to alice@hello.info --from friend@example.net", subject)
    assert sent.rc == 0, sent.stdout
    files = wait_for_mail(server, "alice", subject, maildir=ALICE)
    assert files, "the message did not reach alice's mailbox under /var/vmail"
    owner = server.file(files[0])
    assert (owner.user, owner.group, owner.mode) == ("vmail", "vmail", 0o600)
    assert server.file("/var/vmail").mode == 0o700


def test_an_address_without_a_mailbox_is_refused_at_rcpt_time(client, server_name):
    steps = ["EHLO client.example.net\r\n", "MAIL FROM:<friend@example.net>\r\n", "RCPT TO:<nobody@hello.info>\r\n"]
    code, text = smtp_dialogue(client, server_name, 25, steps)[-1]
    assert code == 550 and text.startswith("5.1.1"), text


@pytest.mark.parametrize(
    ("login", "works"),
    [("alice@hello.info", True), ("ALICE@hello.info", True), ("alice", False), ("alice@hello.com", False)],
)
def test_virtual_users_log_in_with_their_full_address(client, server_name, passwords, login, works):
    result = imaps_login(client, server_name, login, passwords["test"])
    assert (result.rc == 0) == works, f"{login}: rc {result.rc} {result.stderr}"


def test_a_user_given_by_hash_logs_in(client, server_name):
    assert imaps_login(client, server_name, "bob@hello.info", BOB_PASSWORD).rc == 0


@pytest.mark.parametrize("login", ["hello", "hello@hello.com"])
def test_system_users_still_log_in_by_name_and_by_address(client, server_name, passwords, login):
    assert imaps_login(client, server_name, login, passwords["hello"]).rc == 0


@pytest.mark.postfix_tls
def test_a_virtual_user_submits_as_itself_to_a_system_user(client, server, server_name, passwords):
    subject = unique_subject("vmail-submit")
    sent = submit_as(
        client, server_name, "alice@hello.info", passwords["test"], "alice@hello.info", "hello@hello.com", subject
    )
    assert sent.rc == 0, sent.stdout
    assert wait_for_mail(server, "hello", subject)


@pytest.mark.postfix_tls
@pytest.mark.parametrize("sender", ["bob@hello.info", "test@hello.com"])
def test_a_virtual_user_may_not_send_as_another_address(client, server_name, passwords, sender):
    subject = unique_subject("vmail-forged")
    sent = submit_as(client, server_name, "alice@hello.info", passwords["test"], sender, "hello@hello.com", subject)
    assert sent.rc != 0 and "not owned by user" in sent.stdout, sent.stdout
