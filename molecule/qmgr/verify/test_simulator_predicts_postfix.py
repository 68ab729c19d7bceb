"""The simulator's prediction matches the real Postfix for each case in ../cases (postfix-qmgr-spec.md §6.4).

For each case: reset Postfix (empty queue, fresh qmgr state, empty log),
start the test MX with the case file, inject the case's messages with
sendmail, wait out the case, then compare the real mail log with the
simulator's run of the same case under the server's own `postconf -n`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import testinfra

from postdove.simulator import compare, logparse, maillog, params, scenario
from postdove.simulator.engine import Simulation
from postdove.simulator.events import LogRecord

CASES = sorted((Path(__file__).resolve().parents[1] / "cases").glob("*.yml"))
SERVER = os.environ.get("POSTDOVE_SERVER", "postdove-qmgr")
SENDER = "test@hello.com"
TESTMX = "/usr/local/lib/postdove/testmx.py"
SUMMARY = Path(os.environ.get("POSTDOVE_VALIDATION_SUMMARY", "/tmp/postdove-qmgr-validation.txt"))


@pytest.fixture(scope="module")
def server():
    return testinfra.get_host(f"podman://{SERVER}")


def predicted_log(spec: scenario.Scenario, qmgr: params.QmgrParams) -> list[str]:
    lines: list[str] = []
    Simulation(spec, qmgr, lambda r: lines.append(maillog.format_line(r)) if isinstance(r, LogRecord) else None).run()
    return lines


def inject_commands(spec: scenario.Scenario, qmgr: params.QmgrParams) -> str:
    """One sendmail per arrival (all the cases' arrivals are bursts at 0), from the simulator's own arrivals."""
    commands = []
    for _, sender, recipients in Simulation(spec, qmgr).arrivals():
        rcpts = " ".join(shlex.quote(r.address) for r in recipients)
        commands.append(f"printf 'Subject: postdove validation\\n\\nhello\\n' | sendmail -f {sender} {rcpts}")
    return "; ".join(commands)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_simulator_predicts_postfix(server, case):
    spec = scenario.load(case)
    qmgr = params.from_maincf(server.check_output("postconf -n"))
    subprocess.run(["podman", "cp", str(case), f"{SERVER}:/tmp/case.yml"], check=True)
    server.run(
        "systemctl stop postdove-testmx 2>/dev/null; postsuper -d ALL 2>/dev/null; "
        ": > /var/log/postfix.log; postfix reload 2>/dev/null"
    )
    time.sleep(1.5)  # a reload restarts qmgr: its state starts fresh, as the simulator's does
    epoch = server.check_output("date +%s.%N")
    server.run_expect(
        [0], f"systemd-run --unit postdove-testmx --collect python3 {TESTMX} /tmp/case.yml --epoch {epoch}"
    )
    time.sleep(0.5)
    assert server.service("postdove-testmx").is_running, server.run("journalctl -u postdove-testmx -n 20").stdout
    server.run_expect([0], inject_commands(spec, qmgr))
    time.sleep(spec.duration + 3)
    real_log = server.file("/var/log/postfix.log").content_string.splitlines()
    server.run("systemctl stop postdove-testmx")

    real = logparse.parse(real_log, SENDER)
    predicted = logparse.parse(predicted_log(spec, qmgr), SENDER)
    result = compare.compare(
        real, predicted, until=spec.duration, tolerance=spec.validation.tolerance, outliers=spec.validation.outliers
    )
    with SUMMARY.open("a") as summary:
        summary.write(
            f"{case.stem} (Postfix {server.check_output('postconf -h mail_version')}): "
            f"{result.checked - len(result.problems)}/{result.checked} checks agree, "
            f"{sum(len(m.deliveries) for m in real)} real delivery results\n"
        )
    assert result.ok, "\n".join(result.problems)
