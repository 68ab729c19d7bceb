"""dkim_signing - what DKIM signing costs: submission throughput signed vs unsigned, and the playbook's time.

A fresh lab container is converged with mail_dkim_selectors: [mail]
(ansible.posix.profile_roles times each role, in the converge and the
idempotent re-run). Then authenticated submissions (587, STARTTLS, AUTH PLAIN;
`--sessions` at once, each sending its share of `--messages` in one session)
go to addresses of sink.example, which Postfix relays to smtp-sink, Postfix's
own sink server, on 127.0.0.1:2526. Timed from the first connection until the
queue is empty, in the container (a poll from outside, one podman exec each,
would itself take CPU from the run). Signing on and off alternate in the same
run on the same container (off: Postfix's milters set empty and reloaded), and
the ratio of the medians is printed, with the busy CPU per message of the whole
machine (/proc/stat) and of the signer: the run is CPU-bound, so these say where
the cost goes.

`--what-if-rspamd` adds a third mode in the same rounds: rspamd's dkim_signing
module signing with the same key, set up by hand here (postdove's signer is
OpenDKIM), for what a signer that keeps its parsed key would cost. The host then
runs rspamd too (mail_inbound_checks), and each mode names its one milter.

`--what-if-opendkim 'Setting value'` (repeatable) adds a mode signed by a second
OpenDKIM whose configuration is the role's with those settings replaced (e.g.
'SyslogSuccess no', 'Canonicalization simple/simple'), on a socket of its own:
what a setting saves, measured beside the shipped one.

`--what-if-null-milter` adds two modes, each with bench/null_milter.c as its one
milter (compiled in the container against libmilter): `null` takes every step
a signer takes (envelope sender, headers, body, one header inserted at the end)
and computes nothing, the milter protocol's own cost; `floor` also hashes the
body and signs with the same RSA key, parsed once at start: the cheapest a
signer Postfix asks through a milter can be.

Run it through tools/bench-dkim (which sets up the controller and the lab).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from postdove.testing.ansible import run_playbook
from postdove.testing.example_vault import example_passwords
from postdove.testing.lab import lab_host, sh

CONTAINER = "postdove-bench-dkim"
SSH_PORT = 2256
SINK_PORT = 2526
# The milter sockets, relative to Postfix's spool (as main.cf names them).
OPENDKIM_SOCKET = "opendkim/opendkim.sock"
RSPAMD_SOCKET = "rspamd/rspamd.sock"
VARIANT_SOCKET = "opendkim/variant.sock"
NULL_MILTER_SOCKET = "opendkim/null.sock"
FLOOR_MILTER_SOCKET = "opendkim/floor.sock"
OPENDKIM_KEY = "/etc/opendkim/keys/hello.com/mail.private"
NULL_MILTER_SOURCE = Path(__file__).with_name("null_milter.c")
DEFAULT_MESSAGES = 2000
DEFAULT_SESSIONS = 20
DEFAULT_ROUNDS = 2
LINE = "All work and no play. " * 4 + "\n"

# Runs in the container: `sessions` threads, each one authenticated session sending its share.
SUBMIT = """
import os, smtplib, ssl, sys, threading, time
messages, sessions, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = open("/tmp/message.eml").read()
context = ssl._create_unverified_context()
sent = []
def session(n, count):
    with smtplib.SMTP("127.0.0.1", 587) as smtp:
        smtp.starttls(context=context)
        smtp.login("test", password)
        for i in range(count):
            smtp.sendmail("test@hello.com", [f"user{n}@sink.example"], body)
            sent.append(1)
def queued():
    return any(files for queue in ("maildrop", "incoming", "active", "deferred")
               for _, _, files in os.walk(f"/var/spool/postfix/{queue}"))
start = time.monotonic()
threads = [threading.Thread(target=session, args=(n, messages // sessions)) for n in range(sessions)]
for thread in threads: thread.start()
for thread in threads: thread.join()
while queued():
    if time.monotonic() - start > 900: sys.exit("the queue did not empty in 900 s")
    time.sleep(0.02)
print(len(sent), time.monotonic() - start)
"""


def message(kilobytes: int | None) -> str:
    """The message every session sends (smtplib turns its line ends into CRLF).

    By default the bench's small one: two headers and a 2.2 KB body. With a size,
    what a mail client writes: its usual headers and a body of that many kilobytes.
    """
    if kilobytes is None:
        return "Subject: bench\nFrom: test@hello.com\n\n" + LINE * 25
    headers = (
        "From: Test <test@hello.com>",
        "To: <user@sink.example>",
        "Subject: bench",
        "Date: Mon, 07 Dec 2026 20:00:00 +0000",
        "Message-ID: <bench@hello.com>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8; format=flowed",
        "Content-Transfer-Encoding: 7bit",
        "User-Agent: Mozilla/5.0 Thunderbird/128.0",
    )
    return "\n".join(headers) + "\n\n" + LINE * (kilobytes * 1024 // len(LINE))


def in_container(script: str) -> str:
    return sh("podman", "exec", CONTAINER, "sh", "-c", script)


def role_times(output: str) -> dict[str, float]:
    """profile_roles' summary: seconds per role."""
    summary = output.rsplit("=" * 20, 1)[-1]
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+) -+ (\d+\.\d+)s$", summary, re.MULTILINE)}


def timed_converge(inventory: Path) -> tuple[float, int, dict[str, float]]:
    start = time.monotonic()
    result = run_playbook(inventory, env={"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_roles"})
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(result.stdout[-3000:])
    changed = int(re.search(r"changed=(\d+)", result.stdout.rsplit("PLAY RECAP", 1)[1]).group(1))  # type: ignore[union-attr]
    return elapsed, changed, role_times(result.stdout)


def route_to_sink() -> None:
    """sink.example goes to smtp-sink on 127.0.0.1:SINK_PORT, which accepts all and keeps nothing."""
    in_container(
        f"systemd-run --unit=bench-sink smtp-sink -u postfix -c 127.0.0.1:{SINK_PORT} 256;"
        f" postconf -e 'transport_maps = inline:{{ sink.example=smtp:[127.0.0.1]:{SINK_PORT} }}'"
        " && postfix reload >/dev/null 2>&1"
    )


def set_milters(milters: dict[str, str]) -> None:
    settings = " ".join(f"'{name} = {value}'" for name, value in milters.items())
    in_container(f"postconf -e {settings} && postfix reload >/dev/null 2>&1")
    time.sleep(1)


# rspamd signs what logged-in and local clients send, with the key OpenDKIM has
# (copied: rspamd runs as _rspamd), and runs nothing else for logged-in clients.
RSPAMD_SIGNING = r"""
mkdir -p /var/lib/rspamd/dkim
cp /etc/opendkim/keys/hello.com/mail.private /var/lib/rspamd/dkim/hello.com.mail.key
chown -R _rspamd:_rspamd /var/lib/rspamd/dkim && chmod 0600 /var/lib/rspamd/dkim/*.key
cat > /etc/rspamd/local.d/dkim_signing.conf <<'END'
sign_authenticated = true;
sign_local = true;
sign_inbound = false;
use_domain = "header";
use_esld = false;
allow_username_mismatch = true;
selector = "mail";
path = "/var/lib/rspamd/dkim/$domain.$selector.key";
END
cat > /etc/rspamd/local.d/settings.conf <<'END'
signing_only {
  priority = high;
  authenticated = yes;
  apply { symbols_enabled = ["DKIM_SIGNED"]; }
}
END
rspamadm configtest >/dev/null && systemctl restart rspamd && sleep 2
"""


def socket_appears(socket: str) -> str:
    """Shell: wait up to 5 s for a milter socket (relative to Postfix's spool); fails if it did not appear."""
    path = f"/var/spool/postfix/{socket}"
    return f"for i in $(seq 50); do [ -S {path} ] && break; sleep 0.1; done; [ -S {path} ]"


def start_opendkim_variant(settings: Sequence[str]) -> None:
    """A second OpenDKIM: the role's /etc/opendkim.conf with `settings` ("Name value") replaced."""
    replaced = [
        f"Socket local:/var/spool/postfix/{VARIANT_SOCKET}",
        "PidFile /run/opendkim/variant.pid",
        *settings,
    ]
    edits = "".join(
        f"sed -i '/^{line.split()[0]}[[:space:]]/d' /etc/opendkim-variant.conf && "
        f"echo '{line}' >> /etc/opendkim-variant.conf && "
        for line in replaced
    )
    in_container(
        "cp /etc/opendkim.conf /etc/opendkim-variant.conf && "
        + edits
        + "systemd-run --unit=opendkim-variant opendkim -f -x /etc/opendkim-variant.conf"
        + f" && {socket_appears(VARIANT_SOCKET)}"
    )


def start_null_milters() -> None:
    """bench/null_milter.c, built here, twice: alone and --sign (with the key OpenDKIM signs with), each
    on its own socket; as user opendkim, group postfix (Postfix connects, the key is readable)."""
    units = "".join(
        f" && systemd-run --unit={unit} -p User=opendkim -p Group=postfix -p UMask=0007"
        f" /usr/local/bin/null_milter {options} local:/var/spool/postfix/{socket}"
        f" && {socket_appears(socket)}"
        for unit, options, socket in (
            ("null-milter", "", NULL_MILTER_SOCKET),
            ("floor-milter", f"--sign {OPENDKIM_KEY}", FLOOR_MILTER_SOCKET),
        )
    )
    in_container(
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc libc6-dev libmilter-dev libssl-dev >/dev/null"
        f" && cat > /tmp/null_milter.c <<'EOF'\n{NULL_MILTER_SOURCE.read_text()}EOF\n"
        "gcc -O2 -Wall -o /usr/local/bin/null_milter /tmp/null_milter.c -lmilter -lcrypto -pthread" + units
    )


# Busy CPU seconds of the whole machine (/proc/stat) and of each signer's processes, in clock ticks.
CPU_TICKS = (
    "awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat;"
    " for program in opendkim rspamd null_milter; do"
    "   cat $(pgrep -x $program | sed 's|.*|/proc/&/stat|') /dev/null | awk '{t += $14 + $15} END {print t + 0}';"
    " done; getconf CLK_TCK"
)


@dataclass
class Run:
    rate: float  # messages per second
    machine_ms: float  # busy CPU of the whole machine per message
    milter_ms: float  # the milters' CPU per message (OpenDKIM's, rspamd's, the null milter's)


def cpu_seconds() -> tuple[float, float]:
    machine, opendkim, rspamd, null_milter, ticks_per_second = (int(n) for n in in_container(CPU_TICKS).split())
    return machine / ticks_per_second, (opendkim + rspamd + null_milter) / ticks_per_second


def put_client(kilobytes: int | None) -> None:
    """The submission client and the message it sends, in the container once for every run."""
    in_container(f"cat > /tmp/submit.py <<'EOF'\n{SUBMIT}EOF")
    in_container(f"cat > /tmp/message.eml <<'EOF'\n{message(kilobytes)}EOF")


def throughput(messages: int, sessions: int) -> Run:
    """Messages per second, from the first connection until the queue is empty again (timed in the container)."""
    in_container("postsuper -d ALL >/dev/null 2>&1 || true")
    want = messages // sessions * sessions
    machine_before, signer_before = cpu_seconds()
    submit = f"python3 /tmp/submit.py {messages} {sessions} '{example_passwords()['test']}'"
    sent, elapsed = in_container(submit).split()[-2:]
    machine_after, signer_after = cpu_seconds()
    if int(sent) != want:
        raise SystemExit(f"only {sent} of {want} messages were accepted")
    per_message = 1000 / want
    machine_ms, milter_ms = (machine_after - machine_before) * per_message, (signer_after - signer_before) * per_message
    return Run(want / float(elapsed), machine_ms, milter_ms)


def signed_share() -> str:
    """How many of the sink-bound messages OpenDKIM signed, from the log (a sanity check on 'on')."""
    return in_container("journalctl -u opendkim --no-pager -q | grep -c 'DKIM-Signature field added' || true").strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, help="messages per measurement")
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS, help="parallel SMTP sessions")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="alternating runs of each mode")
    parser.add_argument(
        "--message-kb",
        type=int,
        metavar="KB",
        help="send what a mail client writes, with a body of KB kilobytes (default: a two-header 2.2 KB message)",
    )
    parser.add_argument("--debian", choices=["12", "13"], default="12", help="the lab container's Debian release")
    parser.add_argument(
        "--what-if-rspamd", action="store_true", help="also price rspamd's dkim_signing, set up by hand (a diagnosis)"
    )
    parser.add_argument(
        "--what-if-opendkim",
        action="append",
        default=[],
        metavar="'SETTING VALUE'",
        help="also price a second OpenDKIM with this opendkim.conf setting replaced (repeatable; a diagnosis)",
    )
    parser.add_argument(
        "--what-if-null-milter",
        action="store_true",
        help="also price bench/null_milter.c, alone (the milter protocol) and signing with a kept key (the floor)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as directory,
        lab_host(
            Path(directory),
            CONTAINER,
            SSH_PORT,
            debian=args.debian,
            mail_dkim_selectors=["mail"],
            mail_inbound_checks=args.what_if_rspamd,
        ) as lab,
    ):
        fresh, _, fresh_roles = timed_converge(lab.inventory)
        rerun, changed, rerun_roles = timed_converge(lab.inventory)
        print(
            f"fresh converge: {fresh:6.1f} s (mail_dkim {fresh_roles.get('mail_dkim', 0):.1f} s, "
            f"mail_dns {fresh_roles.get('mail_dns', 0):.1f} s)"
        )
        print(
            f"re-run:         {rerun:6.1f} s, changed={changed} (mail_dkim {rerun_roles.get('mail_dkim', 0):.1f} s, "
            f"mail_dns {rerun_roles.get('mail_dns', 0):.1f} s)"
        )
        names = ("smtpd_milters", "non_smtpd_milters")
        # Each mode's milters: none, OpenDKIM (as site.yml configures it), rspamd signing (what-if).
        modes = {"unsigned": dict.fromkeys(names, ""), "signed": dict.fromkeys(names, f"unix:{OPENDKIM_SOCKET}")}
        if args.what_if_rspamd:
            in_container(RSPAMD_SIGNING)
            modes["rspamd"] = dict.fromkeys(names, f"unix:{RSPAMD_SOCKET}")
        if args.what_if_opendkim:
            start_opendkim_variant(args.what_if_opendkim)
            modes["variant"] = dict.fromkeys(names, f"unix:{VARIANT_SOCKET}")
            print("variant: OpenDKIM with " + "; ".join(args.what_if_opendkim))
        if args.what_if_null_milter:
            start_null_milters()
            modes["null"] = dict.fromkeys(names, f"unix:{NULL_MILTER_SOCKET}")
            modes["floor"] = dict.fromkeys(names, f"unix:{FLOOR_MILTER_SOCKET}")
        route_to_sink()
        # The first run after the converge (signing on) is slow (caches, process start-ups): not counted.
        set_milters(modes["signed"])
        put_client(args.message_kb)
        throughput(args.messages, args.sessions)
        runs: dict[str, list[Run]] = {label: [] for label in modes}
        size = f"{len(message(args.message_kb)) / 1024:.1f} KB"
        for _ in range(args.rounds):
            for label, milters in modes.items():
                set_milters(milters)
                run = throughput(args.messages, args.sessions)
                runs[label].append(run)
                print(
                    f"{label:8}: {run.rate:6.0f} messages/s, CPU per message {run.machine_ms:.2f} ms "
                    f"(milters {run.milter_ms:.2f} ms) ({args.messages} of {size}, {args.sessions} sessions on 587)"
                )
        print(f"OpenDKIM signed {signed_share()} messages in all (want {(args.rounds + 1) * args.messages})")
        unsigned = statistics.median(run.rate for run in runs["unsigned"])
        unsigned_cpu = statistics.median(run.machine_ms for run in runs["unsigned"])
        print(f"median unsigned {unsigned:.0f}/s, CPU per message {unsigned_cpu:.2f} ms")
        for label in [label for label in modes if label != "unsigned"]:
            rate = statistics.median(run.rate for run in runs[label])
            cpu = statistics.median(run.machine_ms for run in runs[label])
            print(
                f"median {label} {rate:.0f}/s, ratio {label}/unsigned {rate / unsigned:.3f} "
                f"(cost {100 * (1 - rate / unsigned):.1f}%); CPU per message {cpu:.2f} ms "
                f"(+{100 * (cpu / unsigned_cpu - 1):.0f}%)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
