"""Users' own Sieve filters and ManageSieve (issue 12 item 6), with a real client: sieve-connect.

alice@hello.info uploads a vacation script over ManageSieve (port 4190,
STARTTLS, then AUTH) and activates it; mail to her is kept and its sender
gets one auto-reply. With LMTP delivery the redelivery filter still runs
before her script: a message handed over twice is stored once.
"""

from __future__ import annotations

import shlex
import time
import uuid
from pathlib import Path

import pytest

from postdove.testing.mail import unique_subject, wait_for_mail

ALICE = "/var/vmail/hello.info/alice/Maildir"
HANDOVER = Path(__file__).with_name("lmtp_handover.py")


def sieve_connect(client, server_name: str, password: str, *arguments: str):
    # The password on fd 0; the lab's certificates are not signed by a CA the client knows.
    command = (
        f"sieve-connect --server {server_name} --port 4190 --user alice@hello.info --passwordfd 0 "
        f"--notlsverify --noclearchan {' '.join(shlex.quote(a) for a in arguments)}"
    )
    return client.run(f"printf '%s\\n' {shlex.quote(password)} | {command}")


@pytest.fixture(scope="module")
def vacation(client, server_name, passwords):
    subject = f"away-{uuid.uuid4().hex[:8]}"
    script = f'require ["vacation"];\nvacation :days 1 :subject "{subject}" "alice is away.";\n'
    client.run(f"cat > /root/vacation.sieve <<'EOF'\n{script}EOF")
    uploaded = sieve_connect(
        client,
        server_name,
        passwords["test"],
        "--upload",
        "--localsieve",
        "/root/vacation.sieve",
        "--remotesieve",
        "vacation",
    )
    assert uploaded.rc == 0, uploaded.stdout + uploaded.stderr
    activated = sieve_connect(client, server_name, passwords["test"], "--activate", "--remotesieve", "vacation")
    assert activated.rc == 0, activated.stdout + activated.stderr
    yield subject
    sieve_connect(client, server_name, passwords["test"], "--deactivate", "--remotesieve", "vacation")


def test_managesieve_lists_the_active_script(client, server_name, passwords, vacation):
    listed = sieve_connect(client, server_name, passwords["test"], "--list")
    assert listed.rc == 0 and "vacation" in listed.stdout and "ACTIVE" in listed.stdout.upper(), listed.stdout


def test_managesieve_offers_no_login_before_starttls(client, server_name):
    # The greeting lists the capabilities: STARTTLS, and no SASL mechanism yet.
    greeting = client.check_output(
        f"python3 -c \"import socket; s = socket.create_connection(('{server_name}', 4190), 10); "
        'import time; time.sleep(1); print(s.recv(4096).decode())"'
    )
    assert '"STARTTLS"' in greeting and '"SASL" ""' in greeting, greeting


def test_a_wrong_password_is_refused(client, server_name):
    refused = sieve_connect(client, server_name, "not-alices-password", "--list")
    assert refused.rc != 0


def test_vacation_keeps_the_mail_and_answers_its_sender_once(server, vacation):
    first, second = unique_subject("to-alice"), unique_subject("to-alice-again")
    for subject in (first, second):
        server.check_output(f"echo {subject} | runuser -u hello -- mail -s {subject} alice@hello.info")
        assert wait_for_mail(server, "alice", subject, maildir=ALICE), "the message was not kept"
    assert wait_for_mail(server, "hello", vacation), "no auto-reply"
    time.sleep(3)  # a second reply, if one were sent, would be queued by now
    replies = wait_for_mail(server, "hello", vacation, timeout=0)
    assert len(replies) == 1, f"{len(replies)} auto-replies"
    reply = server.file(replies[0]).content_string
    assert "Auto-Submitted: auto-replied" in reply and "From: alice@hello.info" in reply.replace("<", "").replace(
        ">", ""
    ), reply[:800]


def test_the_redelivery_filter_still_runs_before_the_users_script(server, mail_delivery, vacation):
    if mail_delivery != "lmtp":
        pytest.skip("the redelivery filter runs with LMTP delivery")
    server.run(f"cat > /root/lmtp_handover.py <<'EOF'\n{HANDOVER.read_text()}\nEOF")
    queue_id, message_id = uuid.uuid4().hex[:11].upper(), f"sieve-{uuid.uuid4().hex}@client.example.net"
    message = (
        "Received: from client.example.net (client.example.net [192.0.2.7])\r\n"
        f"\tby server.hello.com (Postfix) with ESMTP id {queue_id}\r\n"
        "\tfor <alice@hello.info>; Sat, 28 Nov 2026 04:00:00 +0000 (UTC)\r\n"
        f"From: load@client.example.net\r\nTo: alice@hello.info\r\nMessage-ID: <{message_id}>\r\n"
        f"Subject: redelivery\r\n\r\n{message_id}\r\n"
    )
    server.run(f"cat > /root/handover.eml <<'EOF'\n{message}EOF")
    for _ in range(2):
        reply = server.check_output("python3 /root/lmtp_handover.py /root/handover.eml alice@hello.info")
        assert reply.startswith("250 "), reply
    assert len(wait_for_mail(server, "alice", message_id, maildir=ALICE)) == 1
