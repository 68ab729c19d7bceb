"""The simulated mail log carries Postfix's fields: routed relays, delays=a/b/c/d, dsn= and connect lines.

The values follow Postfix's source: log_adhoc.c splits the delays, smtp_trouble.c
counts a failed set-up as set-up time, qmgr repeats a dead nexthop's failure code.
"""

from __future__ import annotations

import re

from postdove.simulator import scenario
from postdove.simulator.engine import Simulation
from postdove.simulator.events import MAIL_EVENTS
from postdove.simulator.maillog import LogLine, log_line
from postdove.simulator.params import from_maincf

RIG = "queue_run_delay = 1s\nminimal_backoff_time = 4s\nmaximal_backoff_time = 16s\nmaximal_queue_lifetime = 50s\n"
DELAYS = re.compile(r"delays=([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+)")


def mail_log(arrivals, destinations, duration, maincf=RIG) -> list[LogLine]:
    spec = scenario.parse({"duration": duration, "arrivals": arrivals, "destinations": destinations})
    lines: list[LogLine] = []

    def keep(record: object) -> None:
        if isinstance(record, MAIL_EVENTS):
            lines.append(log_line(record))

    Simulation(spec, from_maincf(maincf), keep).run()
    return lines


def behaving(name, behaviour, latency=0.1):
    return {"name": name, "phases": [{"start": 0, "behaviour": behaviour, "latency": latency}]}


def delays(line: LogLine) -> tuple[float, ...]:
    match = DELAYS.search(line.text)
    assert match, line.text
    return tuple(float(part) for part in match.groups())


def test_waiting_for_a_concurrency_slot_is_time_in_qmgr_not_transmission():
    lines = mail_log(
        [{"kind": "burst", "count": 40, "destinations": ["sink.test"]}], [behaving("sink.test", "accept", 3.0)], 30
    )
    sent = [delays(r) for r in lines if "status=sent" in r.text]
    assert {d[3] for d in sent} == {3.0}  # d: the sink's 3 s
    assert {d[2] for d in sent} == {0.0}  # c: set-up
    assert sorted({d[1] for d in sent}) == [0.0, 3.0, 6.0, 9.0]  # b: waiting for the window (5, 10, 20, 5)


def test_a_refused_connection_is_logged_then_deferred_with_the_time_as_set_up():
    lines = mail_log(
        [{"kind": "burst", "count": 1, "destinations": ["closed.test"]}],
        [behaving("closed.test", "timeout")],
        5,
        maincf=RIG + "smtp_connect_timeout = 2s\ntransport_maps = inline:{ closed.test=smtp:[127.0.0.1]:2601 }\n",
    )
    connect, deferred = [r for r in lines if r.process == "smtp"][:2]
    assert connect.text == "connect to 127.0.0.1[127.0.0.1]:2601: Connection timed out"
    assert "relay=none" in deferred.text and "dsn=4.4.1" in deferred.text
    assert delays(deferred)[2:] == (2.0, 0.0)


def test_suspended_deliveries_repeat_the_code_that_killed_the_nexthop():
    lines = mail_log(
        [{"kind": "burst", "count": 10, "destinations": ["busy.test"]}], [behaving("busy.test", "greet_421", 2.0)], 5.5
    )
    suspended = [r.text for r in lines if r.process == "error"]
    assert suspended and all("dsn=4.3.2, status=deferred (delivery temporarily suspended: host" in t for t in suspended)
    refused = next(r.text for r in lines if r.process == "smtp")
    assert "relay=busy.test[192.0.2.1]:25" in refused
    assert "(host busy.test[192.0.2.1] refused to talk to me: 421 4.3.2 busy)" in refused


def test_bounces_to_the_senders_domain_queue_at_the_shared_nexthop():
    """With default_transport = smtp:[127.0.0.1]:2525 the sender's domain goes where the recipients' do."""
    lines = mail_log(
        [{"kind": "burst", "count": 1, "destinations": ["example.org"]}],
        [behaving("example.org", "bounce")],
        12,
        maincf=RIG + "default_transport = smtp:[127.0.0.1]:2525\n",
    )
    to_sender = [r.text for r in lines if "to=<sender@hello.com>" in r.text]
    # The sink bounces every recipient, the notice's too: a null-sender bounce is dropped, not retried.
    assert len(to_sender) == 1 and "relay=127.0.0.1[127.0.0.1]:2525" in to_sender[0]


def test_the_senders_local_domain_gets_its_notice_by_local_delivery():
    lines = mail_log(
        [{"kind": "burst", "count": 1, "destinations": ["example.org"]}],
        [behaving("example.org", "bounce")],
        12,
        maincf=RIG + "myhostname = server.hello.com\nmydestination = $myhostname, hello.com\n",
    )
    local = [r.text for r in lines if r.process == "local"]
    assert len(local) == 1
    assert "to=<sender@hello.com>, relay=local," in local[0] and "status=sent (delivered to maildir)" in local[0]
