"""A message Postfix hands Dovecot twice is stored once (mail_suppress_redeliveries, lmtp scenario).

Postfix counts a delivery done only when Dovecot's 250 reaches it; a restart
cutting the LMTP session after Dovecot stored the message makes Postfix hand
it over again. These tests replay that at the LMTP socket with the Received
header Postfix would have written, then check that a different accepted
message with the same Message-ID is still stored.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from postdove.testing.mail import wait_for_mail
from postdove.testing.proof_log import record

HANDOVER = Path(__file__).with_name("lmtp_handover.py")


@pytest.fixture(scope="module")
def handover(server, mail_delivery):
    if mail_delivery != "lmtp":
        pytest.skip("the redelivery filter runs with LMTP delivery")
    server.run(f"cat > /root/lmtp_handover.py <<'EOF'\n{HANDOVER.read_text()}\nEOF")

    def hand_over(queue_id: str, message_id: str, *, cut: bool = False) -> str:
        message = (
            "Received: from client.example.net (client.example.net [192.0.2.7])\r\n"
            f"\tby server.hello.com (Postfix) with ESMTP id {queue_id}\r\n"
            "\tfor <hello@hello.com>; Sat, 28 Nov 2026 04:00:00 +0000 (UTC)\r\n"
            f"Message-ID: <{message_id}>\r\nSubject: redelivery\r\n\r\n{message_id}\r\n"
        )
        server.run(f"cat > /root/handover.eml <<'EOF'\n{message}EOF")
        mode = "cut" if cut else ""
        return server.check_output(f"python3 /root/lmtp_handover.py /root/handover.eml hello@hello.com {mode}")

    return hand_over


def stored_copies(server, token: str) -> int:
    wait_for_mail(server, "hello", token, timeout=5)
    return len(server.run(f"grep -l -r -F -- {token} /home/hello/Maildir/new /home/hello/Maildir/cur").stdout.split())


def test_a_message_handed_over_again_after_a_cut_session_is_stored_once(server, handover):
    queue_id, message_id = uuid.uuid4().hex[:11].upper(), f"redelivery-{uuid.uuid4().hex}@client.example.net"
    handover(queue_id, message_id, cut=True)
    assert handover(queue_id, message_id).startswith("250 ")
    copies = stored_copies(server, message_id)
    record("fault", "LMTP session cut after the final dot, handed over again", f"{copies} copy stored", copies == 1)
    assert copies == 1


def test_two_accepted_messages_with_one_message_id_are_both_stored(server, handover):
    message_id = f"redelivery-{uuid.uuid4().hex}@client.example.net"
    for queue_id in ("1A2B3C4D5E", "1A2B3C4D5F"):
        assert handover(queue_id, message_id).startswith("250 ")
    assert stored_copies(server, message_id) == 2


def test_postfix_delivers_to_one_recipient_at_a_time(server, handover):
    # Dovecot's duplicate database keeps only the last of concurrent writes for one user.
    assert server.check_output("postconf -h local_destination_concurrency_limit") == "1"
