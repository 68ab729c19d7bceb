"""mail_virtual_aliases: extra domains forwarding to local users and aliases, a catch-all, and RCPT-time refusal."""

from __future__ import annotations

import pytest

from postdove.testing.mail import send_with_swaks, smtp_dialogue, unique_subject, wait_for_mail

EHLO = "EHLO client.example.net\r\n"


def rcpt_reply(client, server_name: str, recipient: str) -> tuple[int, str]:
    steps = [EHLO, "MAIL FROM:<friend@example.net>\r\n", f"RCPT TO:<{recipient}>\r\n"]
    return smtp_dialogue(client, server_name, 25, steps)[-1]


@pytest.mark.parametrize(
    ("recipient", "users"),
    [
        ("info@hello.org", ["test"]),
        ("sales@hello.org", ["test", "hello"]),  # through mail_aliases' team
        ("anyone@hello.org", ["hello"]),  # the catch-all
        ("info@hello.net", ["test", "hello"]),
    ],
)
def test_mail_from_outside_reaches_the_addresses_targets(client, server, server_name, recipient, users):
    subject = unique_subject("virtual")
    sent = send_with_swaks(client, server_name, f"--to {recipient} --from friend@example.net", subject)
    assert sent.rc == 0, sent.stdout
    for user in users:
        assert wait_for_mail(server, user, subject), f"{recipient} did not reach {user}"


def test_an_unlisted_address_in_a_domain_without_catch_all_is_refused(client, server_name):
    code, text = rcpt_reply(client, server_name, "nobody@hello.net")
    assert code == 550 and text.startswith("5.1.1"), text


def test_the_domains_are_virtual_alias_domains_not_local_ones(server):
    assert server.check_output("postconf -h virtual_alias_domains") == "hello.net, hello.org"
    assert "hello.org" not in server.check_output("postconf -h mydestination")
