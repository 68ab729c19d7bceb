"""Storage quotas of virtual users (issue 12 item 5): refused at RCPT time when full, warned before.

carol@hello.info has a 1 MiB quota (host_vars). Her mailbox is filled
through Dovecot's LMTP socket, as Postfix would deliver: past 90% she gets
the warning message, past 100% Postfix refuses mail for her at RCPT time
(552 5.2.2, from Dovecot's quota-status) instead of accepting and bouncing
it. Other recipients, and mail in the same session, are not affected.
"""

from __future__ import annotations

import pytest

from postdove.testing.mail import smtp_dialogue, unique_subject, wait_for_mail

CAROL = "/var/vmail/hello.info/carol/Maildir"
SOCKET = "/var/spool/postfix/private/dovecot-lmtp"

# One LMTP delivery with Python's smtplib on the server (its system Python).
LMTP_DELIVERY = """
import smtplib, sys
body = sys.stdin.read().replace("\\n", "\\r\\n")
with smtplib.LMTP("{socket}") as lmtp:
    refused = lmtp.sendmail("filler@example.net", ["carol@hello.info"], body)
print("refused" if refused else "stored")
"""


def deliver_filler(server, kibibytes: int, subject: str) -> str:
    """Hand carol a message of about that size (base64 of random bytes) over LMTP; "stored" or "refused"."""
    server.run(f"cat > /root/lmtp_deliver.py <<'EOF'\n{LMTP_DELIVERY.format(socket=SOCKET)}\nEOF")
    headers = f"From: filler@example.net\nTo: carol@hello.info\nSubject: {subject}\n"
    return server.check_output(
        f"{{ printf '{headers}\\n'; head -c {kibibytes * 768} /dev/urandom | base64; }} | python3 /root/lmtp_deliver.py"
    ).strip()


def usage_percent(server) -> int:
    # "User quota STORAGE <value> <limit> <percent>"
    for line in server.check_output("doveadm quota get -u carol@hello.info").splitlines():
        if "STORAGE" in line:
            return int(line.split()[-1])
    raise AssertionError("no STORAGE line in doveadm quota get")


def rcpt_reply(client, server_name: str, recipient: str, size: int = 0) -> tuple[int, str]:
    mail_from = f"MAIL FROM:<friend@example.net> SIZE={size}\r\n" if size else "MAIL FROM:<friend@example.net>\r\n"
    steps = ["EHLO client.example.net\r\n", mail_from, f"RCPT TO:<{recipient}>\r\n"]
    return smtp_dialogue(client, server_name, 25, steps)[-1]


@pytest.fixture(scope="module")
def empty_mailbox(server):
    def empty() -> None:
        server.check_output("doveadm expunge -u carol@hello.info mailbox '*' all")
        server.check_output("doveadm quota recalc -u carol@hello.info")

    empty()
    yield
    empty()


def test_the_quota_is_what_the_inventory_says(server, empty_mailbox):
    quota = server.check_output("doveadm quota get -u carol@hello.info")
    assert any(
        line.split()[:4] == ["User", "quota", "STORAGE", "0"] and line.split()[4] == "1024"
        for line in quota.splitlines()
    ), quota


def test_a_user_without_a_quota_has_none(server):
    quota = server.check_output("doveadm quota get -u alice@hello.info")
    storage = next(line.split() for line in quota.splitlines() if "STORAGE" in line)
    assert storage[4] == "-", quota


def test_a_message_larger_than_the_quota_is_refused_up_front(client, server, server_name, empty_mailbox):
    # SIZE= in MAIL FROM: quota-status weighs it against the quota plus Dovecot's grace for the
    # last message, 10% on 2.2/2.3 but 10 MiB on 2.4, above Postfix's 10 MB message_size_limit.
    if server.check_output("dovecot --version").startswith("2.4"):
        pytest.skip("Dovecot 2.4's 10 MiB grace takes any message Postfix accepts into an empty 1 MiB quota")
    code, text = rcpt_reply(client, server_name, "carol@hello.info", size=2 * 1024 * 1024)
    assert code == 552 and text.startswith("5.2.3"), text


def test_a_filling_mailbox_warns_then_refuses_at_rcpt_time(client, server, server_name, empty_mailbox):
    assert deliver_filler(server, 500, unique_subject("fill-1")) == "stored"
    assert rcpt_reply(client, server_name, "carol@hello.info")[0] == 250

    # Past 90%, still under 100%: the warning can still be stored.
    assert deliver_filler(server, 440, unique_subject("fill-2")) == "stored"
    assert 90 <= usage_percent(server) < 100
    warnings = wait_for_mail(server, "carol", "auto-generated", maildir=CAROL)
    assert warnings, "no quota warning reached carol"
    warning = server.file(warnings[0]).content_string
    assert "Subject: Your mailbox is 90% full" in warning and "To: <carol@hello.info>" in warning, warning[:600]

    # Dovecot's grace (10% on 2.2/2.3) lets the message that crosses the limit in; then she is full.
    assert deliver_filler(server, 100, unique_subject("fill-3")) == "stored"
    assert usage_percent(server) >= 100
    code, text = rcpt_reply(client, server_name, "carol@hello.info")
    assert code == 552 and text.startswith("5.2.2"), text
    # Nobody else is affected: alice, a system user, and a remote address from a relay client.
    assert rcpt_reply(client, server_name, "alice@hello.info")[0] == 250
    assert rcpt_reply(client, server_name, "hello@hello.com")[0] == 250


def test_postfix_asks_dovecot_after_the_relay_check(server):
    restrictions = server.check_output("postconf -h smtpd_recipient_restrictions")
    assert "check_policy_service unix:private/quota-status" in restrictions
    socket = server.file("/var/spool/postfix/private/quota-status")
    assert (socket.user, socket.mode) == ("postfix", 0o600)
