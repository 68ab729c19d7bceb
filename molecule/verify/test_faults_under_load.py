"""No accepted mail is lost: 5,000 messages while Postfix and Dovecot are restarted, killed and re-provisioned.

The client injects numbered messages at a steady rate; meanwhile the server's
daemons are restarted, killed with SIGKILL (systemd brings them back: the
roles' restart-on-failure drop-ins) and the playbook runs again. Afterwards
every message that got a 250 must be in a mailbox exactly once, counted by
Message-ID. Exactly once rests on mail_suppress_redeliveries (Postfix retries
an LMTP delivery whose 250 a restart cut off; Dovecot discards the second
copy) and on Dovecot's LMTP processes outliving a killed master. Runs where
POSTDOVE_FAULTS is set (the lmtp scenario: Dovecot is in the delivery path).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from postdove.testing.ansible import failed_tasks, run_converge
from postdove.testing.proof_log import record

TOTAL = 5000
WORKERS = 8
RATE = 60.0  # messages per second: the injection lasts long enough for every fault
INJECTOR = Path(__file__).with_name("load_injector.py")

pytestmark = pytest.mark.skipif(not os.environ.get("POSTDOVE_FAULTS"), reason="faults run in the lmtp scenario")


def accepted_so_far(client) -> int:
    return int(client.run("cat /root/load.accepted 2>/dev/null | wc -l").stdout.strip() or 0)


def wait_until_accepted(client, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while accepted_so_far(client) < count:
        assert time.monotonic() < deadline, f"fewer than {count} messages accepted after {timeout} s"
        time.sleep(0.5)


def master_pid(server, name: str) -> str:
    return server.check_output(f"pgrep -o -x {name}")


@pytest.fixture(scope="module")
def load_run(client, server, server_name):
    client.run("rm -f /root/load.*")
    client.run(f"cat > /root/inject.py <<'EOF'\n{INJECTOR.read_text()}\nEOF")
    client.check_output(
        f"systemd-run --unit=postdove-load python3 /root/inject.py {server_name} {TOTAL} {WORKERS} {RATE} /root/load"
    )
    faults: list[str] = []
    started = time.monotonic()

    def fault(at: int, name: str, command: str) -> None:
        wait_until_accepted(client, at)
        server.check_output(command)
        faults.append(f"{name} at {accepted_so_far(client)} accepted")

    fault(500, "systemctl restart postfix", "systemctl restart postfix")
    fault(1000, "systemctl restart dovecot", "systemctl restart dovecot")
    fault(1500, "kill -9 postfix master", f"kill -9 {master_pid(server, 'master')}")
    fault(2000, "kill -9 dovecot master", f"kill -9 {master_pid(server, 'dovecot')}")
    wait_until_accepted(client, 2500)
    converge = run_converge()
    if converge.returncode != 0:
        pytest.fail(failed_tasks(converge.stdout + converge.stderr))
    faults.append("ansible-playbook site.yml re-run during the load")

    deadline = time.monotonic() + 600
    while not client.file("/root/load.done").exists:
        assert time.monotonic() < deadline, "the injector did not finish"
        time.sleep(1)
    # Deferred deliveries (Dovecot was down) would wait for their backoff: retry them now.
    server.check_output("postqueue -f")
    deadline = time.monotonic() + 300
    while server.check_output("postqueue -j"):
        assert time.monotonic() < deadline, "the queue did not drain"
        time.sleep(1)
    counts = json.loads(client.file("/root/load.done").content_string)
    accepted = client.file("/root/load.accepted").content_string.split()
    delivered = Counter(
        server.check_output(
            "cat /home/test/Maildir/new/* /home/test/Maildir/cur/* /home/hello/Maildir/new/* /home/hello/Maildir/cur/* "
            "2>/dev/null | grep -i '^Message-ID: <postdove-load-' | cut -d' ' -f2"
        ).split()
    )
    # Keep the other tests' mailboxes small (the POP3 checks walk them).
    for user in ("test", "hello"):
        server.run(f"doveadm expunge -u {user} mailbox INBOX header Message-ID postdove-load-")
    return {
        "counts": counts,
        "accepted": accepted,
        "delivered": delivered,
        "faults": faults,
        "seconds": time.monotonic() - started,
    }


def test_no_accepted_message_is_lost(load_run):
    accepted, delivered = load_run["accepted"], load_run["delivered"]
    lost = [m for m in accepted if delivered[m] == 0]
    duplicated = [m for m, n in delivered.items() if n > 1]
    for fault in load_run["faults"]:
        record("fault", fault, "injected under load", True)
    record(
        "load",
        f"{TOTAL} messages under faults",
        f"accepted {len(accepted)}, refused or failed {load_run['counts']['failed']},"
        f" delivered {sum(delivered.values())} ({len(delivered)} distinct), lost {len(lost)},"
        f" duplicated {len(duplicated)}, {load_run['seconds']:.0f} s",
        not lost,
    )
    assert len(accepted) == load_run["counts"]["accepted"]
    assert lost == []
    assert len(accepted) > TOTAL / 2, "most messages should get through despite the faults"


def test_no_accepted_message_is_delivered_twice(load_run):
    assert [m for m, n in load_run["delivered"].items() if n > 1] == []


def test_daemons_are_back_after_the_faults(server):
    assert server.service("dovecot").is_running
    assert server.run("postfix status").rc == 0
