"""provision_and_throughput - time the playbook and the built server's mail throughput.

Prints: the fresh converge time of site.yml on a new lab container; the
idempotent re-run time and its changed count; and end-to-end delivery
throughput (Postfix's smtp-source injecting on 127.0.0.1:25, timed until every
message is a file in its recipient's Maildir/new) for postdove's configuration
and, in the same run on the same container, for the guide's (bench/guide-config),
alternating between them, with the ratio of the medians.

Run it through tools/bench (which sets up the controller and the lab).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from postdove.testing.ansible import run_playbook
from postdove.testing.project import PROJECT

CONTAINER = "postdove-lab"
INVENTORY = PROJECT / "inventories/lab/hosts.yml"
GUIDE_CONFIG = PROJECT / "bench/guide-config"
DEFAULT_MESSAGES = 5000
DEFAULT_RECIPIENTS = 100
DEFAULT_SESSIONS = 20
DEFAULT_ROUNDS = 2


def run(*argv: str, capture: bool = False) -> str:
    result = subprocess.run(
        argv, cwd=PROJECT, check=True, text=True, stdout=subprocess.PIPE if capture else subprocess.DEVNULL
    )
    return result.stdout if capture else ""


def in_container(script: str) -> str:
    return run("podman", "exec", CONTAINER, "sh", "-c", script, capture=True)


def timed_playbook() -> tuple[float, int]:
    start = time.monotonic()
    result = run_playbook(INVENTORY)
    result.check_returncode()
    output = result.stdout
    elapsed = time.monotonic() - start
    changed = int(re.search(r"changed=(\d+)", output.rsplit("PLAY RECAP", 1)[1]).group(1))  # type: ignore[union-attr]
    return elapsed, changed


def add_bench_recipients(count: int) -> None:
    """Users bench0 ... bench{count-1}, each with a Maildir."""
    in_container(
        f"for i in $(seq 0 {count - 1}); do id bench$i >/dev/null 2>&1 || useradd -m bench$i;"
        f" install -d -o bench$i -g bench$i -m 0700 /home/bench$i/Maildir; done"
    )


def use_config(source: Path) -> None:
    for name in ("main.cf", "master.cf"):
        run("podman", "cp", str(source / name), f"{CONTAINER}:/etc/postfix/{name}")
    in_container("postfix check && postfix reload >/dev/null 2>&1")
    time.sleep(1)


def throughput(messages: int, recipients: int, sessions: int) -> float:
    """Messages per second, from the first SMTP connection to the last Maildir file.

    Each of `recipients` users gets messages/recipients messages from its own
    smtp-source process; xargs keeps `sessions` of them connected at once.
    """
    in_container("postsuper -d ALL >/dev/null 2>&1; rm -rf /home/bench*/Maildir/new/* /home/bench*/Maildir/tmp/*")
    per_recipient = messages // recipients
    want = per_recipient * recipients
    start = time.monotonic()
    in_container(
        f"seq 0 {recipients - 1} | xargs -P {sessions} -I N "
        f"smtp-source -s 1 -m {per_recipient} -f test@hello.com -t benchN@hello.com 127.0.0.1:25"
    )
    while True:
        have = int(in_container("find /home/bench*/Maildir/new -type f | wc -l"))
        if have >= want:
            return want / (time.monotonic() - start)
        if time.monotonic() - start > 900:
            raise SystemExit(f"only {have} of {want} messages delivered after 900 s")
        time.sleep(0.2)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--messages", type=int, default=DEFAULT_MESSAGES, help=f"messages per run (default {DEFAULT_MESSAGES})"
    )
    parser.add_argument(
        "--recipients",
        type=int,
        default=DEFAULT_RECIPIENTS,
        help=f"local recipients the messages are spread over (default {DEFAULT_RECIPIENTS})",
    )
    parser.add_argument(
        "--sessions", type=int, default=DEFAULT_SESSIONS, help=f"parallel SMTP sessions (default {DEFAULT_SESSIONS})"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"alternating runs of each configuration (default {DEFAULT_ROUNDS})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run("lab/start", CONTAINER)
    converge, _ = timed_playbook()
    rerun, rerun_changed = timed_playbook()
    print(f"fresh converge:       {converge:6.1f} s")
    print(f"idempotent re-run:    {rerun:6.1f} s, changed={rerun_changed}")

    add_bench_recipients(args.recipients)
    ours = PROJECT / ".lab/bench-postdove-config"
    ours.mkdir(parents=True, exist_ok=True)
    for name in ("main.cf", "master.cf"):
        run("podman", "cp", f"{CONTAINER}:/etc/postfix/{name}", str(ours / name))

    rates: dict[str, list[float]] = {"postdove": [], "guide": []}
    for _ in range(args.rounds):
        for label, config in (("postdove", ours), ("guide", GUIDE_CONFIG)):
            use_config(config)
            rates[label].append(throughput(args.messages, args.recipients, args.sessions))
            print(
                f"throughput {label:8}: {rates[label][-1]:7.0f} messages/s "
                f"({args.messages} messages to {args.recipients} local users, {args.sessions} sessions)"
            )
    use_config(ours)
    ours_median, guide_median = statistics.median(rates["postdove"]), statistics.median(rates["guide"])
    print(
        f"median postdove: {ours_median:.0f}/s, guide: {guide_median:.0f}/s, "
        f"ratio postdove/guide: {ours_median / guide_median:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
