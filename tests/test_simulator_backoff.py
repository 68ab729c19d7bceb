"""The retry schedule reproduces the worked schedules (docs/simulator.md §2.1)."""

import dataclasses

import pytest

from postdove.simulator import backoff
from postdove.simulator.params import defaults

# (queue_run_delay, minimal_backoff_time, maximal_backoff_time, maximal_queue_lifetime) -> attempt ages
WORKED_SCHEDULES = [
    ((1, 2, 16, 60), (0, 1, 2, 3, 5, 9, 17, 32, 47, 62)),
    ((1, 4, 16, 50), (0, 3, 6, 11, 21, 36, 51)),
    ((1, 4, 32, 60), (0, 3, 6, 11, 21, 41, 72)),
    ((5, 10, 40, 100), (0, 10, 20, 40, 80, 120)),
]


@pytest.mark.parametrize(("timers", "want"), WORKED_SCHEDULES, ids=[str(t) for t, _ in WORKED_SCHEDULES])
def test_worked_schedules_end_in_expiry(timers, want):
    qrd, low, high, life = timers
    params = dataclasses.replace(
        defaults(),
        queue_run_delay=qrd,
        minimal_backoff_time=low,
        maximal_backoff_time=high,
        maximal_queue_lifetime=life,
    )
    got = backoff.retry_schedule(params)
    assert got == backoff.RetrySchedule(want, expired=True), f"got {got.attempt_ages}, want {want}"


@pytest.mark.parametrize(
    ("phase", "want"),
    [(0, (0, 300, 600, 1200, 2400, 4800, 9000, 13200, 17400)), (100, (0, 400, 1000, 2200, 4600, 8800, 13000))],
)
def test_default_timers_with_aligned_and_offset_ticks(phase, want):
    got = backoff.retry_schedule(defaults(), tick_phase=phase, max_attempts=len(want))
    assert got.attempt_ages == want


@pytest.mark.parametrize(("now", "mtime", "eligible"), [(98, 100, False), (99, 100, True), (100, 100, True)])
def test_a_file_is_eligible_one_second_early(now, mtime, eligible):
    assert backoff.is_eligible(now, mtime) is eligible


def test_bounces_use_the_capped_bounce_lifetime():
    params = dataclasses.replace(defaults(), maximal_queue_lifetime=100, bounce_queue_lifetime=500)
    assert backoff.is_expired(params, 100, 0, null_sender=True)
    assert not backoff.is_expired(params, 99, 0, null_sender=False)
