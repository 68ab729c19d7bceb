"""lmtp_costs - where mail_delivery: lmtp's time goes, one candidate cause at a time.

A lab container is converged with mail_delivery: local (its main.cf and
master.cf are the baseline), then with mail_delivery: lmtp. Each variant is the
lmtp configuration with changes on top: Postfix parameters (postconf -e) and
Dovecot settings (/etc/dovecot/local.conf, which dovecot.conf includes last).
Some variants are diagnoses only (no fsync, indexes in memory): they say how
much a cost weighs, not what to ship. Every variant and local(8) alternate in
each round on the same container, for the two cases of tools/bench (one
recipient per message; fan-out); the medians and the ratio to local(8) are
printed.

Run it through tools/bench-lmtp (which sets up the controller and the lab).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from provision_and_throughput import (
    add_bench_recipients,
    fanout_throughput,
    in_container,
    run,
    snapshot,
    throughput,
    timed_playbook,
    use_config,
)

CONTAINER = "postdove-lab"
DEFAULT_MESSAGES = 2000
DEFAULT_FANOUT_MESSAGES = 50
DEFAULT_RECIPIENTS = 100
DEFAULT_SESSIONS = 20
DEFAULT_ROUNDS = 2

# local(8) no longer in the path: Postfix hands local recipients straight to Dovecot.
DIRECT = {"local_transport": "lmtp:unix:private/dovecot-lmtp"}
# Postfix's default per-recipient concurrency instead of postdove's 1.
CONCURRENT = {"local_destination_concurrency_limit": "$default_destination_concurrency_limit"}
NO_FILTER = "plugin {\n  sieve_before =\n}\n"
NO_SIEVE = "protocol lmtp {\n  mail_plugins =\n}\n"
# Dovecot trusts its own index and skips the cur/ and new/ scans on each save.
VERY_DIRTY = "maildir_very_dirty_syncs = yes\n"


@dataclass(frozen=True)
class Variant:
    name: str
    postfix: dict[str, str] = field(default_factory=dict)
    dovecot: str = ""


VARIANTS = [
    Variant("lmtp as shipped"),
    Variant("concurrency default", CONCURRENT),
    Variant("+ no redelivery filter", CONCURRENT, NO_FILTER),
    Variant("+ no sieve plugin", CONCURRENT, NO_SIEVE),
    Variant("very dirty syncs", {}, VERY_DIRTY),
    Variant("direct, filter on", DIRECT),
    Variant("direct, very dirty syncs", DIRECT, VERY_DIRTY),
    Variant("direct, no sieve", DIRECT, NO_SIEVE),
    Variant("direct, no sieve, auth cache", DIRECT, NO_SIEVE + "auth_cache_size = 1M\n"),
    Variant("direct, no sieve, no fsync (diagnosis)", DIRECT, NO_SIEVE + "mail_fsync = never\n"),
    Variant(
        "direct, no sieve, index in memory (diagnosis)",
        DIRECT,
        NO_SIEVE + "mail_location = maildir:~/Maildir:INDEX=MEMORY\n",
    ),
    # Every cost above taken away at once: the least Dovecot's LMTP can take per delivery here.
    Variant(
        "direct, all of the above off (diagnosis)",
        DIRECT,
        NO_SIEVE
        + VERY_DIRTY
        + "auth_cache_size = 1M\nmail_fsync = never\nmail_location = maildir:~/Maildir:INDEX=MEMORY\n",
    ),
]


def apply(variant: Variant) -> None:
    settings = " ".join(f"'{name}={value}'" for name, value in variant.postfix.items())
    if settings:
        in_container(f"postconf -e {settings}")
    in_container(f"printf '%s' '{variant.dovecot}' > /etc/dovecot/local.conf && doveconf -n >/dev/null")
    in_container("doveadm reload && postfix reload >/dev/null 2>&1 && sleep 1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lmtp_costs", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--fanout-messages", type=int, default=DEFAULT_FANOUT_MESSAGES)
    parser.add_argument("--recipients", type=int, default=DEFAULT_RECIPIENTS)
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS)
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--only", action="append", default=[], help="run only variants whose name contains this")
    parser.add_argument(
        "--home-on-host",
        metavar="DIR",
        help="host directory mounted as the container's /home: Maildirs on the host's file system, not overlayfs",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    variants = [v for v in VARIANTS if not args.only or any(part in v.name for part in args.only)]
    if args.home_on_host:
        run("rm", "-rf", args.home_on_host)
        run("mkdir", "-p", args.home_on_host)
        run("lab/start", CONTAINER, "2225", "server.hello.com", "--volume", f"{args.home_on_host}:/home")
    else:
        run("lab/start", CONTAINER)
    timed_playbook()
    add_bench_recipients(args.recipients)
    local = snapshot("local")
    timed_playbook("-e", "mail_delivery=lmtp")
    lmtp = snapshot("lmtp")
    cases: dict[str, Callable[[], float]] = {
        "one recipient": lambda: throughput(args.messages, args.recipients, args.sessions),
        "fan-out": lambda: fanout_throughput(args.fanout_messages, args.recipients, args.sessions),
    }
    rates: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for variant in [Variant("local(8)"), *variants]:
            use_config(local if variant.name == "local(8)" else lmtp)
            apply(variant)
            for case, measure in cases.items():
                rates.setdefault((case, variant.name), []).append(measure())
                print(f"{case:13} {variant.name:46} {rates[case, variant.name][-1]:6.0f}/s", flush=True)
    print(f"\nmedians of {args.rounds} rounds, deliveries/s and ratio to local(8):")
    for case in cases:
        baseline = statistics.median(rates[case, "local(8)"])
        for variant in [Variant("local(8)"), *variants]:
            median = statistics.median(rates[case, variant.name])
            print(f"{case:13} {variant.name:46} {median:6.0f}/s  {median / baseline:4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
