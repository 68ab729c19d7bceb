"""fanout_client - send MESSAGES messages, each to every one of RECIPIENTS, over SESSIONS SMTP sessions at once.

Run inside the lab container by tools/bench (the container's own python3,
standard library only): Postfix 3.10's smtp-source numbers -r's recipients
across the whole run (fan0 ... fan9999 for 100 x 100), where 3.7's sends
every message to the same set; this client sends to fan1 ... fanN on every
Postfix.

    python3 fanout_client.py MESSAGES RECIPIENTS SESSIONS
"""

from __future__ import annotations

import smtplib
import sys
import threading

BODY = "From: <test@hello.com>\r\nSubject: fan-out\r\n\r\n" + "fan-out benchmark line\r\n" * 10


def session(messages: int, recipients: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", 25) as smtp:
        for _ in range(messages):
            smtp.sendmail("test@hello.com", recipients, BODY)


def main() -> None:
    messages, recipient_count, sessions = (int(arg) for arg in sys.argv[1:4])
    recipients = [f"fan{n}@hello.com" for n in range(1, recipient_count + 1)]
    shares = [messages // sessions + (1 if i < messages % sessions else 0) for i in range(sessions)]
    threads = [threading.Thread(target=session, args=(share, recipients)) for share in shares if share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
