"""mail_relocated: an old address is refused with RFC 5321's 551 and the new address, over SMTP and locally."""

from __future__ import annotations

from postdove.testing.mail import smtp_dialogue, unique_subject, wait_for_mail

EHLO = "EHLO client.example.net\r\n"


def test_an_smtp_client_is_told_where_the_user_moved(client, server_name):
    replies = smtp_dialogue(
        client, server_name, 25, [EHLO, "MAIL FROM:<friend@example.net>\r\n", "RCPT TO:<olduser@hello.com>\r\n"]
    )
    code, text = replies[-1]
    assert code == 551, text
    assert text.startswith("5.1.6 ") and "User has moved to newuser@example.org" in text, text


def test_other_recipients_of_the_domain_are_not_affected(client, server_name):
    replies = smtp_dialogue(
        client, server_name, 25, [EHLO, "MAIL FROM:<friend@example.net>\r\n", "RCPT TO:<hello@hello.com>\r\n"]
    )
    assert replies[-1][0] == 250, replies[-1]


def test_local_mail_to_the_old_address_bounces_with_the_new_one(server):
    subject = unique_subject("relocated")
    sent = server.run(f"runuser -u test -- sh -c 'echo moved | mail -s {subject} olduser@hello.com'")
    assert sent.rc == 0, sent.stderr
    # The bounce quotes the original's headers, subject included.
    bounces = wait_for_mail(server, "test", subject)
    assert bounces, "no bounce reached the sender"
    assert "User has moved to newuser@example.org" in server.file(bounces[0]).content_string
