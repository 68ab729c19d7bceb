"""provision_and_throughput - time the playbook and the built server's mail throughput.

Prints: the fresh converge time of site.yml on a new lab container, with the
packages it installs already downloaded (issue 13 asks for a converge "with
packages cached": the container's /var/cache/apt/archives is kept in .lab/, and
filled by a first converge when empty); the idempotent re-run time and its
changed count; and end-to-end delivery
throughput (Postfix's smtp-source injecting on 127.0.0.1:25, timed until every
message is a file in its recipient's Maildir/new):
- postdove's two delivery modes, local(8) and Dovecot LMTP (issue 13), alternating
  on the same container, for two cases: `--messages` spread over `--recipients`
  users (one recipient each), and `--fanout-messages` with `--recipients`
  recipients each (bench/fanout_client.py); with the ratio lmtp/local of the
  medians per case;
- postdove's local mode against the guide's configuration (bench/guide-config),
  alternating, with the ratio of the medians.
Each mode's Postfix configuration is the one site.yml writes for it (converged
with mail_delivery: local, then lmtp; Dovecot keeps the lmtp mode's, which
local(8) does not use); switching copies main.cf and master.cf and reloads.

`--baseline-ref REF` also times the re-run of REF's site.yml (a git worktree of
that commit), alternating `--rounds` times with the checkout's on the same
container, then its fresh converge, alternating with the checkout's on a new
container each, and prints the ratios of the medians; `--playbook-only` stops
there.

Run it through tools/bench (which sets up the controller and the lab).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from postdove.testing.ansible import run_playbook
from postdove.testing.project import PROJECT

CONTAINER = "postdove-lab"
LAB_SSH_PORT = "2225"  # as in inventories/lab/hosts.yml
LAB_HOSTNAME = "server.hello.com"
INVENTORY = PROJECT / "inventories/lab/hosts.yml"
GUIDE_CONFIG = PROJECT / "bench/guide-config"
CONVERGE_FLOOR = PROJECT / "bench/converge_floor.yml"
FLOOR_ROUND_TRIPS = 20
FANOUT_CLIENT = PROJECT / "bench/fanout_client.py"
DEFAULT_MESSAGES = 5000
DEFAULT_RECIPIENTS = 100
DEFAULT_SESSIONS = 20
DEFAULT_ROUNDS = 2
DEFAULT_FANOUT_MESSAGES = 100


def run(*argv: str, capture: bool = False) -> str:
    result = subprocess.run(
        argv, cwd=PROJECT, check=True, text=True, stdout=subprocess.PIPE if capture else subprocess.DEVNULL
    )
    return result.stdout if capture else ""


def in_container(script: str) -> str:
    return run("podman", "exec", CONTAINER, "sh", "-c", script, capture=True)


def baseline_checkout(ref: str) -> Path:
    """A worktree of `ref` under .lab/, made anew: the playbook a re-run is compared with."""
    worktree = PROJECT / ".lab/bench-baseline"
    subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=PROJECT, capture_output=True)
    run("git", "worktree", "add", "--detach", str(worktree), ref)
    return worktree


def start_lab_with_package_cache() -> bool:
    """A new lab container whose apt archive cache lives in .lab/; True if the cache already held packages."""
    cache = PROJECT / f".lab/apt-archives-debian{os.environ.get('POSTDOVE_DEBIAN', '12')}"
    cache.mkdir(parents=True, exist_ok=True)
    filled = any(cache.glob("*.deb"))
    run("lab/start", CONTAINER, LAB_SSH_PORT, LAB_HOSTNAME, "--volume", f"{cache}:/var/cache/apt/archives")
    return filled


def timed_playbook(*options: str, checkout: Path = PROJECT) -> tuple[float, int]:
    """Seconds and changed count of `checkout`'s site.yml on the lab container, with its own roles and filters."""
    elapsed, recap = timed_playbook_recap(*options, checkout=checkout)
    return elapsed, recap["changed"]


def timed_playbook_recap(*options: str, checkout: Path = PROJECT) -> tuple[float, dict[str, int]]:
    """Seconds and PLAY RECAP counts (ok, changed, skipped...) of `checkout`'s site.yml on the lab container."""
    start = time.monotonic()
    result = run_playbook(
        INVENTORY,
        checkout / "site.yml",
        *options,
        cwd=checkout,
        env={
            "ANSIBLE_CONFIG": str(checkout / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": f"{checkout / 'collections'}:{PROJECT / '.collections'}",
        },
    )
    result.check_returncode()
    elapsed = time.monotonic() - start
    recap = result.stdout.rsplit("PLAY RECAP", 1)[1]
    return elapsed, {name: int(count) for name, count in re.findall(r"(\w+)=(\d+)", recap)}


def requested_packages() -> list[str]:
    """The packages the playbook asked apt for on the lab container (its apt history, without dependencies)."""
    history = in_container("cat /var/log/apt/history.log")
    installed = ", ".join(line.split(":", 1)[1] for line in history.splitlines() if line.startswith("Install:"))
    # "postfix:amd64 (3.7.11-0+deb12u1), cpio:amd64 (2.13+dfsg-7.1, automatic)"
    return sorted(
        entry.split(":")[0].strip() for entry in re.findall(r"[^,(]+\([^)]*\)", installed) if "automatic" not in entry
    )


def task_seconds(output: str, task: str) -> float:
    """One task's time in profile_tasks' summary."""
    return float(re.search(rf"^{re.escape(task)} -+ (\d+\.\d+)s$", output, re.MULTILINE).group(1))  # type: ignore[union-attr]


def converge_floor(fresh: float, tasks: int) -> None:
    """On a new container: the packages the converge installed, in one apt transaction with the index
    update, and a module round trip; printed beside the fresh converge."""
    packages = requested_packages()
    start_lab_with_package_cache()
    result = run_playbook(
        INVENTORY,
        CONVERGE_FLOOR,
        "-e",
        json.dumps({"floor_packages": packages, "floor_round_trips": FLOOR_ROUND_TRIPS}),
        env={"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks"},
    )
    result.check_returncode()
    install = task_seconds(result.stdout, "Ensure the packages site.yml installs are installed")
    round_trip = task_seconds(result.stdout, "Read the state of /etc/hostname") / FLOOR_ROUND_TRIPS
    print(f"converge floor: {len(packages)} packages ({' '.join(packages)}) in one apt transaction")
    print(f"  with the index update: {install:5.1f} s; one module round trip: {round_trip:.2f} s")
    print(
        f"  the fresh converge ({fresh:.1f} s) ran {tasks} tasks on the host: installs + round trips"
        f" = {install + tasks * round_trip:.1f} s"
    )


def alternate_checkouts(
    label: str, checkouts: dict[str, Path], rounds: int, before_each: Callable[[], object] = lambda: None
) -> None:
    """Run the checkouts' site.yml in turn, `rounds` times; print each run, the medians and their ratio."""
    times: dict[str, list[float]] = {name: [] for name in checkouts}
    for _ in range(rounds):
        for name, checkout in checkouts.items():
            before_each()
            elapsed, changed = timed_playbook(checkout=checkout)
            times[name].append(elapsed)
            print(f"{label} {name:10}: {elapsed:5.1f} s, changed={changed}")
    (ref,) = (name for name in checkouts if name != "checkout")
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"{label}: median checkout {medians['checkout']:.1f} s, {ref} {medians[ref]:.1f} s, "
        f"ratio checkout/{ref}: {medians['checkout'] / medians[ref]:.2f}"
    )


def compare_reruns(ref: str, rounds: int) -> None:
    """The idempotent re-runs of the checkout and of `ref`, alternating on the same container."""
    alternate_checkouts("re-run", {"checkout": PROJECT, ref: baseline_checkout(ref)}, rounds)


def compare_fresh_converges(ref: str, rounds: int) -> None:
    """The fresh converges of `ref` and the checkout, alternating, each on a new container.

    The checkout goes last in each round, so the container left is its converge.
    """
    checkouts = {ref: baseline_checkout(ref), "checkout": PROJECT}
    alternate_checkouts("fresh converge", checkouts, rounds, before_each=start_lab_with_package_cache)


def add_bench_recipients(count: int) -> None:
    """Users bench0 ... bench{count-1} (one recipient a message) and fan1 ... fan{count} (fan-out), with Maildirs."""
    in_container(
        f"for u in $(seq -f bench%.0f 0 {count - 1}) $(seq -f fan%.0f 1 {count});"
        " do id $u >/dev/null 2>&1 || useradd -m $u; install -d -o $u -g $u -m 0700 /home/$u/Maildir; done"
    )
    run("podman", "cp", str(FANOUT_CLIENT), f"{CONTAINER}:/root/fanout_client.py")


def snapshot(label: str) -> Path:
    """The container's main.cf and master.cf, kept on the controller as `label`'s configuration."""
    config = PROJECT / f".lab/bench-{label}-config"
    config.mkdir(parents=True, exist_ok=True)
    for name in ("main.cf", "master.cf"):
        run("podman", "cp", f"{CONTAINER}:/etc/postfix/{name}", str(config / name))
    return config


def use_config(source: Path) -> None:
    for name in ("main.cf", "master.cf"):
        run("podman", "cp", str(source / name), f"{CONTAINER}:/etc/postfix/{name}")
    in_container("postfix check && postfix reload >/dev/null 2>&1")
    time.sleep(1)


def delivered_per_second(inject: str, want: int, mailboxes: str) -> float:
    """Deliveries per second: from running `inject` until `want` files are in the `mailboxes` Maildir/new dirs."""
    in_container(f"postsuper -d ALL >/dev/null 2>&1; rm -rf {mailboxes}/Maildir/new/* {mailboxes}/Maildir/tmp/*")
    start = time.monotonic()
    in_container(inject)
    while True:
        have = int(in_container(f"find {mailboxes}/Maildir/new -type f | wc -l"))
        if have >= want:
            return want / (time.monotonic() - start)
        if time.monotonic() - start > 900:
            raise SystemExit(f"only {have} of {want} messages delivered after 900 s")
        time.sleep(0.2)


def throughput(messages: int, recipients: int, sessions: int) -> float:
    """Messages per second, one recipient each.

    Each of `recipients` users gets messages/recipients messages from its own
    smtp-source process; xargs keeps `sessions` of them connected at once.
    """
    per_recipient = messages // recipients
    inject = (
        f"seq 0 {recipients - 1} | xargs -P {sessions} -I N "
        f"smtp-source -s 1 -m {per_recipient} -f test@hello.com -t benchN@hello.com 127.0.0.1:25"
    )
    return delivered_per_second(inject, per_recipient * recipients, "/home/bench*")


def fanout_throughput(messages: int, recipients: int, sessions: int) -> float:
    """Deliveries per second of `messages` with `recipients` recipients each (fan1 ... fanN, bench/fanout_client.py)."""
    inject = f"python3 /root/fanout_client.py {messages} {recipients} {sessions}"
    return delivered_per_second(inject, messages * recipients, "/home/fan*")


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
        "--fanout-messages",
        type=int,
        default=DEFAULT_FANOUT_MESSAGES,
        help=f"messages of the fan-out case, each to all --recipients (default {DEFAULT_FANOUT_MESSAGES})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"alternating runs of each configuration (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--baseline-ref", metavar="REF", help="also time the re-run and fresh converge of this commit's site.yml"
    )
    parser.add_argument("--playbook-only", action="store_true", help="time the playbook only, no mail")
    parser.add_argument(
        "--converge-floor",
        action="store_true",
        help="then, on a new container, time the converge's packages in one apt transaction and a module round trip",
    )
    return parser


def compare(label: str, configs: dict[str, Path], measure: Callable[[], float], rounds: int, unit: str) -> None:
    """Alternate the configurations `rounds` times; print each rate and the ratio of the medians."""
    rates: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(rounds):
        for name, config in configs.items():
            use_config(config)
            rates[name].append(measure())
            print(f"{label} {name:8}: {rates[name][-1]:7.0f} {unit}/s")
    (first, second) = configs
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(
        f"{label}: median {first} {medians[first]:.0f}/s, {second} {medians[second]:.0f}/s, "
        f"ratio {second}/{first}: {medians[second] / medians[first]:.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not start_lab_with_package_cache():
        timed_playbook()  # downloads the packages into the cache
        start_lab_with_package_cache()
    converge, converge_recap = timed_playbook_recap()
    rerun, rerun_changed = timed_playbook()
    print(f"fresh converge:       {converge:6.1f} s (packages cached)")
    print(f"idempotent re-run:    {rerun:6.1f} s, changed={rerun_changed}")
    if args.converge_floor:
        # ok counts the tasks that ran, changed or not.
        converge_floor(converge, converge_recap["ok"])
        return 0
    if args.baseline_ref:
        compare_reruns(args.baseline_ref, args.rounds)
        compare_fresh_converges(args.baseline_ref, args.rounds)
    if args.playbook_only:
        return 0

    add_bench_recipients(args.recipients)
    local = snapshot("local")
    timed_playbook("-e", "mail_delivery=lmtp")
    lmtp = snapshot("lmtp")
    modes = {"local": local, "lmtp": lmtp}
    spread = f"{args.messages} messages to {args.recipients} users, {args.sessions} sessions"
    compare(
        f"one recipient ({spread})",
        modes,
        lambda: throughput(args.messages, args.recipients, args.sessions),
        args.rounds,
        "messages",
    )
    compare(
        f"fan-out ({args.fanout_messages} messages x {args.recipients} recipients, {args.sessions} sessions)",
        modes,
        lambda: fanout_throughput(args.fanout_messages, args.recipients, args.sessions),
        args.rounds,
        "deliveries",
    )
    compare(
        f"postdove vs guide ({spread})",
        {"postdove": local, "guide": GUIDE_CONFIG},
        lambda: throughput(args.messages, args.recipients, args.sessions),
        args.rounds,
        "messages",
    )
    use_config(local)
    return 0


if __name__ == "__main__":
    sys.exit(main())
