"""The log comparison (postdove/simulator/compare.py) agrees with itself and catches a wrong field.

The Molecule scenario qmgr runs it against a real Postfix; here both sides are the
simulator's log of the dead-destination case, one of them edited.
"""

from __future__ import annotations

from pathlib import Path

from postdove.simulator import compare, logparse, maillog, params, scenario
from postdove.simulator.engine import Simulation
from postdove.simulator.events import MAIL_EVENTS

CASES = Path(__file__).resolve().parents[1] / "molecule/qmgr/cases"
SENDER = "test@hello.com"
RIG = (
    "queue_run_delay = 1s\nminimal_backoff_time = 4s\nmaximal_backoff_time = 16s\nmaximal_queue_lifetime = 50s\n"
    "transport_maps = inline:{ closed.test=smtp:[127.0.0.1]:2601, busy.test=smtp:[127.0.0.1]:2602 }\n"
)


def simulated_log(case: str) -> tuple[scenario.Scenario, list[str]]:
    spec = scenario.load(CASES / f"{case}.yml")
    lines: list[str] = []

    def keep(record: object) -> None:
        if isinstance(record, MAIL_EVENTS):
            lines.append(maillog.format_line(record))

    Simulation(spec, params.from_maincf(RIG), keep).run()
    return spec, lines


def test_a_log_agrees_with_itself_field_by_field():
    spec, lines = simulated_log("t3-dead-destination")
    parsed = logparse.parse(lines, SENDER)
    result = compare.compare(parsed, parsed, until=spec.duration)
    assert result.ok, result.problems
    assert {r.dsn for m in parsed for r in m.results if r.process == "error"} == {"4.3.2"}


def test_a_wrong_dsn_or_a_late_transmission_is_reported():
    spec, lines = simulated_log("t3-dead-destination")
    suspended = "status=deferred (delivery temporarily suspended"
    edited = [line.replace(f"dsn=4.3.2, {suspended}", f"dsn=4.4.1, {suspended}") for line in lines]
    result = compare.compare(logparse.parse(edited, SENDER), logparse.parse(lines, SENDER), until=spec.duration)
    assert any("process/status/dsn" in problem for problem in result.problems)
    late = [line.replace("delays=0/0/2/0,", "delays=0/0/0/2,") for line in lines]
    result = compare.compare(logparse.parse(late, SENDER), logparse.parse(lines, SENDER), until=spec.duration)
    assert any("c (connection set-up)" in problem for problem in result.problems), result.problems


def test_connect_lines_are_compared_by_text_and_time():
    spec, lines = simulated_log("t1-retry-expiry-warning")
    failures = logparse.connect_failures(lines, SENDER)
    assert failures and failures[0] == (0.0, "connect to 127.0.0.1[127.0.0.1]:2601: Connection refused")
    assert compare.compare_connect_lines(failures, failures, spec.duration, 1.0).ok
    shifted = [(time + 2, text) for time, text in failures]
    assert not compare.compare_connect_lines(shifted, failures, spec.duration, 1.0).ok
