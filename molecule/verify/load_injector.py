"""Inject numbered messages over SMTP and write down each one the server accepted.

Runs inside the client container with the system Python (copied there by
test_faults_under_load.py): inject.py SERVER TOTAL WORKERS RATE OUT.
Each message has its own Message-ID; it is written to OUT.accepted only after
the server's 250 to the end of DATA. A failed message is not retried (a retry
of a message the server may have taken would be a legitimate duplicate).
Writes OUT.done with the counts when all are sent.
"""

import contextlib
import json
import smtplib
import sys
import threading
import time

server, total, workers, rate, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
users = ["test", "hello"]
lock = threading.Lock()
state = {"next": 0, "accepted": 0, "failed": 0}


def take():
    with lock:
        if state["next"] >= total:
            return None
        state["next"] += 1
        return state["next"] - 1


def worker(accepted_log):
    connection = None
    interval = workers / rate
    while (number := take()) is not None:
        started = time.monotonic()
        message_id = f"<postdove-load-{number}@client.example.net>"
        rcpt = f"{users[number % 2]}@hello.com"
        message = (
            f"From: load@client.example.net\r\nTo: {rcpt}\r\nSubject: load {number}\r\n"
            f"Message-ID: {message_id}\r\n\r\nmessage {number}\r\n"
        )
        try:
            if connection is None:
                connection = smtplib.SMTP(server, 25, timeout=30)
                connection.ehlo("client.example.net")
            connection.sendmail("load@client.example.net", [rcpt], message)
            with lock:
                accepted_log.write(message_id + "\n")
                accepted_log.flush()
                state["accepted"] += 1
        except (OSError, smtplib.SMTPException):
            with lock:
                state["failed"] += 1
            with contextlib.suppress(Exception):
                connection.close()
            connection = None
            time.sleep(0.5)
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


with open(out + ".accepted", "a", encoding="ascii") as accepted_log:
    threads = [threading.Thread(target=worker, args=(accepted_log,)) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
with open(out + ".done", "w", encoding="ascii") as done:
    json.dump({"accepted": state["accepted"], "failed": state["failed"]}, done)
