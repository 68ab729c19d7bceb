"""Abuse from another host: relaying, AUTH without TLS or by guessing, enumeration, spoofing, smuggling.

Each attack runs from the client container (outside mail_networks) with raw
SMTP, so the line endings are exactly the attacker's; each must get the
refusal a mail administrator expects. The brute force runs from the
controller instead: Postfix's AUTH rate limit then locks out the controller's
address, not the client's that later tests use.
"""

from __future__ import annotations

import base64
import imaplib
import ssl
import threading
import time

import pytest
import testinfra

from postdove.testing.mail import postfix_knows, smtp_dialogue, unique_subject, wait_for_mail
from postdove.testing.proof_log import record

EHLO = "EHLO client.example.net\r\n"


def auth_plain(user: str, password: str) -> str:
    return "AUTH PLAIN " + base64.b64encode(f"\0{user}\0{password}".encode()).decode() + "\r\n"


# The usual ways to slip a foreign recipient past a relay check (RFC 821 source
# routes, the percent hack, bang paths, quoted local parts).
RELAY_FORMS = {
    "plain": "<victim@evil.example>",
    "percent hack": "<victim%evil.example@hello.com>",
    "source route": "<@hello.com:victim@evil.example>",
    "bang path": "<evil.example!victim@hello.com>",
    "quoted local part": '<"victim@evil.example"@hello.com>',
    "quoted percent hack": '<"victim%evil.example"@hello.com>',
}


@pytest.mark.parametrize("form", RELAY_FORMS)
def test_relay_attempt_is_refused(client, server, server_name, form):
    replies = smtp_dialogue(
        client, server_name, 25, [EHLO, "MAIL FROM:<spammer@evil.example>\r\n", f"RCPT TO:{RELAY_FORMS[form]}\r\n"]
    )
    code, text = replies[-1]
    record("attack", f"open relay, {form}", f"{code} {text}", code >= 500)
    assert code in (550, 554), text
    assert "evil.example" not in server.run("postqueue -p").stdout


def test_relay_with_null_sender_is_refused(client, server_name):
    replies = smtp_dialogue(client, server_name, 25, [EHLO, "MAIL FROM:<>\r\n", "RCPT TO:<victim@evil.example>\r\n"])
    code, text = replies[-1]
    record("attack", "open relay, null sender", f"{code} {text}", code >= 500)
    assert (code, text.split()[0]) == (554, "5.7.1"), text


@pytest.mark.postfix_tls
def test_auth_on_port_25_is_not_offered(client, server_name, passwords):
    replies = smtp_dialogue(client, server_name, 25, [EHLO, auth_plain("test", passwords["test"])])
    code, text = replies[-1]
    record("attack", "AUTH on port 25 without TLS", f"{code} {text}", code >= 500)
    assert "AUTH" not in replies[1][1]
    assert code == 503, text


def test_vrfy_does_not_enumerate_users(client, server_name):
    replies = smtp_dialogue(client, server_name, 25, [EHLO, "VRFY hello\r\n", "VRFY nosuchuser\r\n"])
    record("attack", "user enumeration with VRFY", f"{replies[-1][0]} {replies[-1][1]}", replies[-1][0] >= 500)
    assert [code for code, _ in replies[-2:]] == [502, 502]


def submission_as_test(mail_from: str, passwords) -> list[str]:
    """Log in on 587 as test after STARTTLS, then offer a message from `mail_from`."""
    return [
        EHLO,
        "STARTTLS\r\n",
        EHLO,
        auth_plain("test", passwords["test"]),
        f"MAIL FROM:<{mail_from}>\r\n",
        "RCPT TO:<hello@hello.com>\r\n",
    ]


@pytest.mark.postfix_tls
def test_user_cannot_send_as_another_user(client, server_name, passwords):
    replies = smtp_dialogue(client, server_name, 587, submission_as_test("hello@hello.com", passwords))
    code, text = replies[-1]
    record("attack", "authenticated user sends as another user", f"{code} {text}", code >= 500)
    assert replies[4][0] == 235, "the login itself must succeed"
    assert (code, text.split()[0]) == (553, "5.7.1"), text


@pytest.mark.postfix_tls
def test_user_can_send_as_themself(client, server_name, passwords):
    assert smtp_dialogue(client, server_name, 587, submission_as_test("test@hello.com", passwords))[-1][0] == 250


def smuggling_steps(token: str, separator: str) -> list[str]:
    # The message ends at `separator` for a lax receiver, which would then run
    # the smuggled transaction; Postfix must see one message or refuse it.
    smuggled = (
        f"MAIL FROM:<ceo@hello.com>\r\nRCPT TO:<hello@hello.com>\r\nDATA\r\nSubject: {token}-smuggled\r\n\r\nx\r\n"
    )
    body = f"Subject: {token}\r\n\r\nfirst{separator}{smuggled}.\r\n"
    return [EHLO, "MAIL FROM:<someone@example.net>\r\n", "RCPT TO:<hello@hello.com>\r\n", "DATA\r\n", body, "QUIT\r\n"]


def smuggled_messages(server, token: str, timeout: float = 30.0) -> list[str]:
    """The delivered messages whose own headers are the smuggled transaction's."""
    delivered = wait_for_mail(server, "hello", token, timeout=timeout)
    return [f for f in delivered if f"{token}-smuggled" in server.file(f).content_string.split("\n\n")[0]]


def test_smuggling_with_bare_lf_is_refused(client, server, server_name):
    token = unique_subject("smuggle-lf")
    replies = smtp_dialogue(client, server_name, 25, smuggling_steps(token, "\n.\n"))
    code, text = replies[5]
    if not postfix_knows(server, "smtpd_forbid_bare_newline"):
        # Before 3.5.23 <LF>.<LF> ends the message; the stopgap (reject_unauth_pipelining)
        # refuses the smuggled transaction that follows it unasked.
        smuggled = smuggled_messages(server, token, timeout=5)
        record("attack", "SMTP smuggling, bare <LF>.<LF> (Postfix < 3.5.23)", f"{code}, nothing smuggled", not smuggled)
        assert smuggled == [], replies
        return
    record("attack", "SMTP smuggling, bare <LF>.<LF>", f"{code} {text}", code >= 500)
    assert (code, text.split()[0]) == (550, "5.5.2"), replies
    assert wait_for_mail(server, "hello", token, timeout=5) == []


def test_smuggling_with_bare_cr_stays_one_message(client, server, server_name):
    token = unique_subject("smuggle-cr")
    replies = smtp_dialogue(client, server_name, 25, smuggling_steps(token, "\r.\r"))
    delivered = wait_for_mail(server, "hello", token)
    smuggled = smuggled_messages(server, token)
    record("attack", "SMTP smuggling, <CR>.<CR>", f"{replies[5][0]}, one message, nothing smuggled", not smuggled)
    assert replies[5][0] == 250
    assert len(delivered) == 1 and smuggled == []


@pytest.fixture(scope="module")
def controller() -> testinfra.host.Host:
    return testinfra.get_host("local://")


@pytest.mark.postfix_tls
def test_smtp_auth_guessing_hits_the_rate_limit(controller, server, server_address, passwords):
    limit = int(server.check_output("postconf -h smtpd_client_auth_rate_limit"))
    results: list[tuple[int, str]] = []

    def guess(n: int) -> None:
        steps = [EHLO, "STARTTLS\r\n", EHLO, auth_plain("test", f"guess-{n}")]
        results.append(smtp_dialogue(controller, server_address, 587, steps)[-1])

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(limit + 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in results)
    refused_by_limit = [text for code, text in results if code == 450]
    record(
        "attack",
        f"SMTP AUTH guessing, {len(results)} tries",
        f"535 x{codes.count(535)}, 450 x{codes.count(450)}",
        bool(refused_by_limit),
    )
    assert codes.count(535) <= limit and refused_by_limit, results
    assert "too many AUTH" in refused_by_limit[0]
    # Now even the right password is refused from that address.
    right = smtp_dialogue(
        controller, server_address, 587, [EHLO, "STARTTLS\r\n", EHLO, auth_plain("test", passwords["test"])]
    )
    assert right[-1][0] == 450


def test_imap_login_guessing_is_slowed_down(server_address):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    delays = []
    for n in range(3):
        with imaplib.IMAP4_SSL(server_address, 993, ssl_context=context, timeout=30) as imap:
            started = time.monotonic()
            with pytest.raises(imaplib.IMAP4.error):
                imap.login("test", f"guess-{n}")
            delays.append(time.monotonic() - started)
    record(
        "attack",
        "IMAP login guessing, 3 tries",
        "replies delayed " + ", ".join(f"{d:.1f} s" for d in delays),
        min(delays) >= 1.5,
    )
    assert min(delays) >= 1.5, delays
