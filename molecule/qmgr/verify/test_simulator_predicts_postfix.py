"""The simulator's prediction matches the real Postfix for each case in ../cases (docs/simulator.md §6.4).

For each case: reset Postfix (empty queue, fresh qmgr state, empty log),
start the test MX with the case file, inject the case's messages with
sendmail, wait out the case, then compare the real mail log with the
simulator's run of the same case under the server's own `postconf -n`
(its transport_maps route each test domain to the test MX, as they route the
real mail): the groups of events, then each kind of log line field by field.
The table files those parameters name (texthash: before Postfix 3.0, which
has no inline:) are copied here for the simulator to read.
Then the real log itself is replayed (docs/simulator.md §9): the scenario made
from it must reproduce it within the same tolerances. And a qshape of the real
queue taken mid-run (the case's `qshape_at`) must match the simulated one.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import testinfra

from postdove.simulator import compare, fromlog, logparse, maillog, params, report, scenario, tables
from postdove.simulator.engine import Simulation
from postdove.simulator.events import MAIL_EVENTS, QueueSnapshot
from postdove.simulator.routing import ROUTING_PARAMETERS
from postdove.testing.containers import retry_exec_start_failures

CASES = sorted((Path(__file__).resolve().parents[1] / "cases").glob("*.yml"))
SERVER = os.environ.get("POSTDOVE_SERVER", "postdove-qmgr")
SENDER = "test@hello.com"
TESTMX = "/usr/local/lib/postdove/testmx.py"
SUMMARY = Path(os.environ.get("POSTDOVE_VALIDATION_SUMMARY", "/tmp/postdove-qmgr-validation.txt"))
QSHAPE_QUEUES = ("incoming", "active", "deferred")


# The model counts whole seconds from the arrival, with qmgr's scan ticks at the
# start of each second (docs/simulator.md §2.1). Real ticks fall wherever in its second qmgr
# started: late in it, a retry that starts there ends in the next second, its
# message is put back a second "older", and every later retry moves (seen: the
# fourth attempt at 13 s instead of 11, then 25, 40, 55). So the rig places
# qmgr's start and the arrivals (0.2 s) after whole seconds.
SECONDS_AHEAD = 3
retry_exec_start_failures()


# A shell command that prints the seconds since second 0 of the scenario ($E).
SINCE_SECOND_0 = 'python3 -c "import time; print(round(time.time() - $E, 2))"'


def sleep_until(unix_time: str) -> str:
    """A shell command that sleeps on the server until `unix_time` (a shell expression)."""
    return f'python3 -c "import time; time.sleep(max(0.0, {unix_time} - time.time()))"'


@pytest.fixture(scope="module")
def server():
    return testinfra.get_host(f"podman://{SERVER}")


@pytest.fixture(scope="module")
def qmgr(server, tmp_path_factory) -> params.QmgrParams:
    """The server's `postconf -n` as the simulator reads it, its routing tables' files copied here."""
    copies = tmp_path_factory.mktemp("tables")
    lines = []
    for line in server.check_output("postconf -n").splitlines():
        name, _, value = (part.strip() for part in line.partition("="))
        if name in ROUTING_PARAMETERS:
            for table in tables.split_tables(value):
                kind, _, path = table.partition(":")
                if kind in tables.FILE_TYPES and path.startswith("/"):
                    copy = copies / path.lstrip("/").replace("/", "_")
                    copy.write_text(server.file(path).content_string)
                    value = value.replace(table, f"{kind}:{copy}")
            line = f"{name} = {value}"
        lines.append(line)
    version = server.check_output("postconf -h mail_version")
    return params.from_maincf("\n".join(lines), "2.10" if version.startswith("2.10.") else "3.7")


def predicted_log(spec: scenario.Scenario, qmgr: params.QmgrParams) -> list[str]:
    lines: list[str] = []
    Simulation(spec, qmgr, lambda r: lines.append(maillog.format_line(r)) if isinstance(r, MAIL_EVENTS) else None).run()
    return lines


def predicted_qshapes(spec: scenario.Scenario, qmgr: params.QmgrParams, times: tuple[float, ...]) -> list[str]:
    snapshots: list[QueueSnapshot] = []
    Simulation(spec, qmgr, lambda r: snapshots.append(r) if isinstance(r, QueueSnapshot) else None, times).run()
    return [report.qshape(snapshot, QSHAPE_QUEUES) for snapshot in snapshots]


def inject_commands(spec: scenario.Scenario, qmgr: params.QmgrParams) -> str:
    """One sendmail per arrival (all the cases' arrivals are bursts at 0), from the simulator's own arrivals.

    They run side by side, as near to second 0 as the host allows: one after another,
    each waits for the last on a loaded host. A sendmail that failed shows as a
    message too few in the comparison.
    """
    commands = []
    for _, sender, recipients in Simulation(spec, qmgr).arrivals():
        rcpts = " ".join(shlex.quote(r.address) for r in recipients)
        commands.append(f"printf 'Subject: postdove validation\\n\\nhello\\n' | sendmail -f {sender} {rcpts} &")
    return "{ " + " ".join(commands) + " wait; }"


def qshape_timer(qshape_at: float) -> str:
    """A server command: at second `qshape_at` after $E, run qshape and note when it began and ended reading."""
    clock = f"{SINCE_SECOND_0} >> /tmp/qshape.when"
    qshape = f"{sleep_until(f'$E + {qshape_at}')}; {clock}; qshape {' '.join(QSHAPE_QUEUES)} > /tmp/qshape.txt; {clock}"
    return (
        "rm -f /tmp/qshape.txt /tmp/qshape.when; systemd-run --unit postdove-qshape --collect --setenv=E=$E "
        f"sh -c {shlex.quote(qshape)}"
    )


def check_qshape(result: compare.Comparison, server, spec: scenario.Scenario, qmgr: params.QmgrParams) -> None:
    """The real qshape's count per domain lies between the model's when qshape began and ended (on a loaded
    host it may start late), give or take the case's outliers."""
    real_table = server.file("/tmp/qshape.txt").content_string
    real = report.qshape_totals(real_table)
    began, ended = (float(t) for t in server.file("/tmp/qshape.when").content_string.split())
    predicted = [report.qshape_totals(q) for q in predicted_qshapes(spec, qmgr, (began, ended))]
    domains = sorted(real.keys() | predicted[0].keys() | predicted[1].keys())
    off = {d: (real.get(d, 0), *(counts.get(d, 0) for counts in predicted)) for d in domains}
    tolerance = spec.validation.outliers
    result.check(
        all(min(then) - tolerance <= count <= max(then) + tolerance for count, *then in off.values()),
        f"qshape from {began:g} to {ended:g} s (asked at {spec.validation.qshape_at:g}) per domain "
        f"(real, predicted then): {off}; qshape printed:\n{real_table}",
    )


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_simulator_predicts_postfix(server, qmgr, case):
    spec = scenario.load(case)
    subprocess.run(["podman", "cp", str(case), f"{SERVER}:/tmp/case.yml"], check=True)
    # A reload restarts qmgr: its state starts fresh, as the simulator's does. It
    # comes just after a whole second, so qmgr's scan ticks fall early in each second.
    server.run(
        "systemctl stop postdove-testmx 2>/dev/null; postsuper -d ALL 2>/dev/null; "
        f": > /var/log/postfix.log; {sleep_until('$(( $(date +%s) + 1 ))')}; postfix reload 2>/dev/null"
    )
    # Second 0 of the scenario ($E), a little after a whole second and a few seconds
    # ahead. Everything up to the injection is one command on the server: each
    # podman exec may cost seconds on a loaded host, and they once ate the lead.
    steps = [
        f"E=$(( $(date +%s) + {SECONDS_AHEAD} )).2",
        f"systemd-run --unit postdove-testmx --collect python3 {TESTMX} /tmp/case.yml --epoch $E",
    ]
    qshape_at = spec.validation.qshape_at
    if qshape_at is not None:
        steps.append(qshape_timer(qshape_at))
    steps += [
        "sleep 0.5; systemctl is-active --quiet postdove-testmx || { journalctl -u postdove-testmx -n 20; exit 1; }",
        SINCE_SECOND_0,
        f"{sleep_until('$E')}; {inject_commands(spec, qmgr)}",
    ]
    started = server.run_expect([0], " && ".join(steps))
    late = float(started.stdout.split()[-1])
    assert late < 0, f"the rig was ready {late} s after second 0 (host too loaded to time a case)"
    time.sleep(spec.duration + 3)
    real_log = server.file("/var/log/postfix.log").content_string.splitlines()
    server.run("systemctl stop postdove-testmx")

    predicted_lines = predicted_log(spec, qmgr)
    real = logparse.parse(real_log, SENDER)
    predicted = logparse.parse(predicted_lines, SENDER)
    result = compare.compare(
        real, predicted, until=spec.duration, tolerance=spec.validation.tolerance, outliers=spec.validation.outliers
    )
    connect_lines = compare.compare_connect_lines(
        logparse.connect_failures(real_log, SENDER),
        logparse.connect_failures(predicted_lines, SENDER),
        until=spec.duration,
        tolerance=spec.validation.tolerance,
    )
    result.checked += connect_lines.checked
    result.problems += connect_lines.problems
    replay_spec = fromlog.scenario_from_log(real_log)
    replay = compare.compare(
        real,
        logparse.parse(predicted_log(replay_spec, qmgr), SENDER),
        until=min(spec.duration, replay_spec.duration),
        tolerance=spec.validation.tolerance,
        outliers=spec.validation.outliers,
    )
    if qshape_at is not None:
        check_qshape(result, server, spec, qmgr)
    first_entries = [m.first_active for m in real] or [0.0]
    admitted_over = max(first_entries) - min(first_entries)
    with SUMMARY.open("a") as summary:
        summary.write(
            f"{case.stem} (Postfix {server.check_output('postconf -h mail_version')}): "
            f"{result.checked - len(result.problems)}/{result.checked} checks agree, "
            f"{sum(len(m.deliveries) for m in real)} real delivery results "
            f"(admitted over {admitted_over:g} s); "
            f"its log replayed: {replay.checked - len(replay.problems)}/{replay.checked} agree\n"
        )
        # What disagreed goes in the summary too: CI's log keeps its end, not pytest's report.
        summary.writelines(f"  differs: {problem}\n" for problem in result.problems + replay.problems)
    assert result.ok, "\n".join(result.problems)
    assert replay.ok, "the replayed log differs:\n" + "\n".join(replay.problems)
