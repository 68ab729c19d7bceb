"""The simulated qmgr reproduces the validation cases T1, T2(c), T3, T4 and T6 (docs/simulator.md §6.4).

These check the model against the derivations in docs/simulator.md; the comparison with a
running Postfix is the Molecule validation scenario's job.
"""

from __future__ import annotations

import re

import pytest

from postdove.simulator import scenario
from postdove.simulator.engine import Simulation
from postdove.simulator.events import MAIL_EVENTS
from postdove.simulator.maillog import LogLine, format_tv, log_line
from postdove.simulator.params import from_maincf

RIG = "queue_run_delay = 1s\nminimal_backoff_time = 4s\nmaximal_backoff_time = 16s\nmaximal_queue_lifetime = 50s\n"


def simulate(arrivals, destinations, duration=120.0, maincf=RIG):
    spec = scenario.parse({"duration": duration, "arrivals": arrivals, "destinations": destinations})
    lines: list[LogLine] = []
    sim = Simulation(
        spec, from_maincf(maincf), lambda r: lines.append(log_line(r)) if isinstance(r, MAIL_EVENTS) else None
    )
    totals = sim.run()
    return sim, totals, lines


def behaving(name, behaviour, latency=0.1):
    return {"name": name, "phases": [{"start": 0, "behaviour": behaviour, "latency": latency}]}


def test_t1_retry_schedule_and_expiry():
    _, totals, lines = simulate(
        [{"kind": "burst", "count": 1, "destinations": ["closed.test"]}], [behaving("closed.test", "refuse", 0)]
    )
    attempts = [int(r.time) for r in lines if r.text.startswith("connect to ")]
    assert attempts == [0, 3, 6, 11, 21, 36, 51]
    deferrals = [int(r.time) for r in lines if r.process == "smtp" and "status=deferred (connect to" in r.text]
    assert deferrals == attempts
    tail = [r.text.split(": ", 1)[1] for r in lines if r.time >= 51 and r.process in ("qmgr", "bounce")]
    assert tail[-3:] == [
        "from=<sender@hello.com>, status=expired, returned to sender",
        f"sender non-delivery notification: {2:010X}",
        "removed",
    ]
    assert (totals.expired, totals.notices) == (1, 1)


def test_t5_one_delay_warning_at_the_first_failure_after_warn_time():
    _, totals, lines = simulate(
        [{"kind": "burst", "count": 1, "destinations": ["closed.test"]}],
        [behaving("closed.test", "refuse", 0)],
        maincf=RIG + "delay_warning_time = 10s\n",
    )
    warnings = [int(r.time) for r in lines if "sender delay notification" in r.text]
    assert warnings == [11]
    assert totals.notices == 2  # the warning and the non-delivery notice


def test_t9_in_flow_delay_holds_back_arrivals_once_the_tokens_are_gone():
    """5 tokens, 2 active slots, 10 s deliveries: 2 imports refill, 5 tokens go, the rest wait 1 s."""
    spec = scenario.parse(
        {
            "duration": 5,
            "arrivals": [{"kind": "burst", "count": 30, "destinations": ["s.test"]}],
            "destinations": [behaving("s.test", "accept", 10.0)],
        }
    )
    snapshots = []
    qmgr = from_maincf(RIG + "default_process_limit = 5\nqmgr_message_active_limit = 2\n")
    Simulation(spec, qmgr, lambda r: snapshots.append(r) if hasattr(r, "messages") else None, (0.5, 1.5)).run()
    at_half, after = snapshots
    assert len(at_half.messages) == 7
    assert sorted({m.arrival for m in after.messages}) == [0.0, 1.0]
    assert len(after.messages) == 30


def test_t2c_zero_lifetime_tries_once():
    _, totals, lines = simulate(
        [{"kind": "burst", "count": 1, "destinations": ["closed.test"]}],
        [behaving("closed.test", "refuse", 0)],
        maincf=RIG + "maximal_queue_lifetime = 0\n",
    )
    refused = "status=deferred (connect to closed.test[192.0.2.1]:25: Connection refused)"
    assert sum(refused in r.text for r in lines) == 1
    assert totals.expired == 1


def test_t3_dead_destination_after_three_site_failures():
    sim, _, lines = simulate(
        [{"kind": "burst", "count": 10, "destinations": ["busy.test"]}],
        [behaving("busy.test", "greet_421", 2.0)],
        duration=5.5,
    )
    at_two = [r for r in lines if r.time == pytest.approx(2.0)]
    refused = [r for r in at_two if r.process == "smtp" and "421 4.3.2 busy" in r.text]
    suspended = [r for r in at_two if r.process == "error" and "delivery temporarily suspended: host" in r.text]
    assert (len(refused), len(suspended)) == (5, 5)
    # Retries due while it is dead (age 5 < 2 + 4) go through `retry` without connecting.
    assert {r.process for r in lines if r.time > 2} == {"qmgr", "error"}
    assert sim.queues["smtp:busy.test"].window.dead


def test_t3_revival_after_minimal_backoff_time():
    _, _, lines = simulate(
        [{"kind": "burst", "count": 10, "destinations": ["busy.test"]}],
        [behaving("busy.test", "greet_421", 2.0)],
        duration=11.5,
    )
    # Dead at t=2, revived at floor(2) + 4 = 6 with window 5: the retries due at 9 connect again.
    reconnected = [r for r in lines if r.process == "smtp" and r.time > 6]
    assert len(reconnected) == 5
    assert min(r.time for r in reconnected) == pytest.approx(11.0)


def test_t3_negative_control_cohort_limit_10_never_dies_in_the_burst():
    _, _, lines = simulate(
        [{"kind": "burst", "count": 10, "destinations": ["busy.test"]}],
        [behaving("busy.test", "greet_421", 2.0)],
        duration=12.5,
        maincf=RIG + "default_destination_concurrency_failed_cohort_limit = 10\n",
    )
    first_attempts = {re.match(r"(\w+):", r.text).group(1) for r in lines if r.process == "smtp"}
    assert len(first_attempts) == 10
    assert not any(r.process == "error" for r in lines)


def test_t4_slow_start_from_5_to_the_limit_of_20():
    _, totals, lines = simulate(
        [{"kind": "burst", "count": 40, "destinations": ["sink.test"]}],
        [behaving("sink.test", "accept", 3.0)],
        duration=30,
    )
    done_times = sorted(r.time for r in lines if r.process == "smtp")
    batches = [sum(1 for t in done_times if t == pytest.approx(b)) for b in (3.0, 6.0, 9.0)]
    assert batches == [5, 10, 20]
    assert totals.delivered == 40


def test_t4_variant_a_concurrency_limit_3():
    _, _, lines = simulate(
        [{"kind": "burst", "count": 9, "destinations": ["sink.test"]}],
        [behaving("sink.test", "accept", 3.0)],
        duration=30,
        maincf=RIG + "default_destination_concurrency_limit = 3\n",
    )
    done_times = sorted(r.time for r in lines if r.process == "smtp")
    assert [sum(1 for t in done_times if t == pytest.approx(b)) for b in (3.0, 6.0, 9.0)] == [3, 3, 3]


def test_t6_recipients_per_delivery():
    _, totals, lines = simulate(
        [{"kind": "burst", "count": 1, "recipients": 120, "destinations": ["sink.test"]}],
        [behaving("sink.test", "accept", 1.0)],
        duration=10,
    )
    assert totals.delivered == 120
    assert sum(1 for r in lines if r.process == "smtp") == 120
    assert totals.attempts == 3


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.004, "0"), (0.031, "0.03"), (1.54, "1.5"), (1.0, "1"), (12.4, "12"), (248680.2, "248680"), (0.5, "0.5")],
)
def test_delay_format_matches_postfix(value, text):
    assert format_tv(value) == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "duration": 10,
                "arrivals": [{"kind": "burst", "destinations": ["a.test"]}],
                "destinations": [behaving("a.test", "accept")],
            },
            "arrivals.0: Value error, a burst arrival needs count",
        ),
        (
            {
                "duration": 10,
                "arrivals": [{"kind": "burst", "count": 1, "destinations": ["b.test"]}],
                "destinations": [behaving("a.test", "accept")],
            },
            "'b.test' is not in destinations",
        ),
        (
            {
                "duration": 10,
                "arrivals": [{"kind": "burst", "count": 1, "destinations": ["a.test"]}],
                "destinations": [behaving("a.test", "explode")],
            },
            "destinations.0.phases.0.behaviour",
        ),
        ({"duration": -1, "arrivals": [], "destinations": []}, "duration: Input should be greater than 0"),
    ],
)
def test_bad_scenarios_name_the_field(data, message):
    with pytest.raises(scenario.ScenarioError, match=re.escape(message)):
        scenario.parse(data)
