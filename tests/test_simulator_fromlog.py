"""A scenario made from a mail log (fromlog.py) replays it, and what-if edits change it (whatif.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdove import cli
from postdove.simulator import compare, fromlog, logparse, maillog, params, scenario, whatif
from postdove.simulator.engine import Simulation
from postdove.simulator.events import MAIL_EVENTS

CASES = Path(__file__).resolve().parents[1] / "molecule/qmgr/cases"
SENDER = "test@hello.com"
RIG = (
    "queue_run_delay = 1s\nminimal_backoff_time = 4s\nmaximal_backoff_time = 16s\nmaximal_queue_lifetime = 50s\n"
    "delay_warning_time = 10s\nmyhostname = server.hello.com\nmydomain = hello.com\n"
    "mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain\n"
)

# Lines as Postfix 3.7 writes them: a message submitted with sendmail, one sent, one refused.
REAL_LOG = """\
Dec  3 10:00:01 server postfix/pickup[811]: 4F2A31C0E1: uid=1000 from=<test@hello.com>
Dec  3 10:00:01 server postfix/cleanup[812]: 4F2A31C0E1: message-id=<1@server.hello.com>
Dec  3 10:00:01 server postfix/qmgr[790]: 4F2A31C0E1: from=<test@hello.com>, size=310, nrcpt=2 (queue active)
Dec  3 10:00:04 server postfix/smtp[813]: 4F2A31C0E1: to=<a@sink.test>, relay=mx.sink.test[192.0.2.7]:25, \
delay=3.2, delays=0.05/0.01/0.1/3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 77)
Dec  3 10:00:01 server postfix/smtp[814]: connect to mx.closed.test[192.0.2.8]:25: Connection refused
Dec  3 10:00:01 server postfix/smtp[814]: 4F2A31C0E1: to=<b@closed.test>, relay=none, delay=0.2, \
delays=0.05/0.01/0.1/0, dsn=4.4.1, status=deferred (connect to mx.closed.test[192.0.2.8]:25: Connection refused)
Dec  3 10:00:30 server postfix/pickup[811]: 5A0B21C0E2: uid=1000 from=<test@hello.com>
Dec  3 10:00:30 server postfix/qmgr[790]: 5A0B21C0E2: from=<test@hello.com>, size=310, nrcpt=1 (queue active)
Dec  3 10:00:33 server postfix/smtp[813]: 5A0B21C0E2: to=<c@sink.test>, relay=mx.sink.test[192.0.2.7]:25, \
delay=3.1, delays=0.02/0/0.1/3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 78)
Dec  3 10:00:40 server postfix/qmgr[790]: 0B0B21C0E3: from=<other@hello.com>, size=310, nrcpt=1 (queue active)
Dec  3 10:00:40 server postfix/smtp[813]: 0B0B21C0E3: to=<d@sink.test>, relay=mx.sink.test[192.0.2.7]:25, \
delay=900, delays=899/0/0.1/3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 79)
"""


def test_a_real_log_becomes_arrivals_and_destination_behaviours():
    spec = fromlog.scenario_from_log(REAL_LOG.splitlines())
    assert spec.clock == "10:00:01"
    # The third message was only retried here (no pickup line): it arrived before the log.
    arrivals = [(a.at, a.destinations) for a in spec.arrivals]
    assert arrivals == [([0.0], ["sink.test", "closed.test"]), ([29.0], ["sink.test"])]
    behaviours = {d.name: [(p.start, p.behaviour, p.latency) for p in d.phases] for d in spec.destinations}
    assert behaviours == {"closed.test": [(0, "refuse", 0.1)], "sink.test": [(0, "accept", 3.0)]}


@pytest.mark.parametrize("case", ["t1-retry-expiry-warning", "t3-dead-destination", "t4-slow-start"])
def test_replaying_a_log_reproduces_it(case):
    """The simulator's log of a case, made into a scenario and run again, gives the same log."""
    spec = scenario.load(CASES / f"{case}.yml")
    maincf = RIG + "transport_maps = inline:{ closed.test=smtp:[127.0.0.1]:2601, busy.test=smtp:[127.0.0.1]:2602 }\n"
    original = simulated(spec, params.from_maincf(maincf))
    replayed_spec = fromlog.scenario_from_log(original)
    replay = simulated(replayed_spec, params.from_maincf(maincf))
    result = compare.compare(logparse.parse(original, SENDER), logparse.parse(replay, SENDER), until=spec.duration)
    assert result.ok, result.problems


def simulated(spec: scenario.Scenario, qmgr: params.QmgrParams) -> list[str]:
    lines: list[str] = []
    Simulation(spec, qmgr, lambda r: lines.append(maillog.format_line(r)) if isinstance(r, MAIL_EVENTS) else None).run()
    return lines


def test_an_outage_on_the_clock_and_heavier_arrivals():
    spec = fromlog.scenario_from_log(REAL_LOG.splitlines())
    edited = whatif.apply(spec, ["sink.test down 10:00:11-10:00:21", "arrivals x3", "default_process_limit=2"])
    sink = next(d for d in edited.scenario.destinations if d.name == "sink.test")
    assert [(p.start, p.behaviour) for p in sink.phases] == [(0, "accept"), (10, "refuse"), (20, "accept")]
    assert [len(a.at or []) for a in edited.scenario.arrivals] == [3, 3]
    assert edited.maincf == "default_process_limit = 2"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("nowhere.test down 0-10", "'nowhere.test' is not a destination of the scenario (closed.test, sink.test)"),
        ("sink.test down 20-10", "the outage must end after it starts"),
        ("arrivals x0", "the factor must be above 0"),
        ("make it faster", "not an edit; use 'DOMAIN down 10:00-12:00'"),
    ],
)
def test_a_bad_edit_is_named(edit, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        whatif.apply(fromlog.scenario_from_log(REAL_LOG.splitlines()), [edit])


def test_the_cli_replays_a_log_beside_the_what_if(tmp_path, capsys):
    log = tmp_path / "mail.log"
    log.write_text(REAL_LOG)
    png = tmp_path / "what-if.png"
    args = ["simulate", "--from-log", str(log), "--what-if", "sink.test down 10:00-10:01", "--plot", str(png)]
    assert cli.main([*args, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "as logged" in out and "what if: sink.test down 10:00-10:01" in out and "peak deferred queue" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert cli.main(["simulate", "--from-log", str(log), "--what-if", "faster", "--no-progress"]) == 2
    assert "not an edit" in capsys.readouterr().out
