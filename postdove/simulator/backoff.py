"""backoff - when a deferred message is tried again, and when it expires (docs/simulator.md §2).

DESCRIPTION
    Postfix's cool-down is the age of the queue file, clamped to
    [minimal_backoff_time, maximal_backoff_time] (qmgr_active.c:
    qmgr_active_done_3_generic); so the age roughly doubles per attempt. The
    file's mtime stores the wakeup time; the deferred scan, every
    queue_run_delay, admits it once time() >= mtime - 1. Expiry is checked
    only after an attempt that deferred something: E >= create_time + lifetime.

    retry_schedule() replays that for one always-failing message with
    zero-length attempts, as the worked schedules in docs/simulator.md §2.1 do.
"""

from __future__ import annotations

from dataclasses import dataclass

from postdove.simulator.params import QmgrParams


def cooldown(params: QmgrParams, now: int, create_time: int) -> int:
    """Seconds until the wakeup time of a message deferred at integer time `now`."""
    return max(params.minimal_backoff_time, min(now - create_time, params.maximal_backoff_time))


def is_eligible(now: int, mtime: int) -> bool:
    """qmgr_active_feed: a queue file may enter the active queue up to one second early."""
    return now >= mtime - 1


def is_expired(params: QmgrParams, now: int, create_time: int, null_sender: bool = False) -> bool:
    """After a deferring attempt at `now`: has the message outlived its queue lifetime?"""
    lifetime = params.effective_bounce_queue_lifetime if null_sender else params.maximal_queue_lifetime
    return now >= create_time + lifetime


@dataclass(frozen=True)
class RetrySchedule:
    """Ages (seconds since create_time) of every attempt, and whether the last one expired the message."""

    attempt_ages: tuple[int, ...]
    expired: bool


def retry_schedule(params: QmgrParams, tick_phase: int = 0, max_attempts: int = 1000) -> RetrySchedule:
    """Attempts of a message that always defers, created at 0, with deferred scans at tick_phase + k*queue_run_delay.

    The first attempt is at arrival (age 0). Each retry happens at the first
    scan tick at which the file is eligible.
    """
    create_time = 0
    now = 0
    ages = [0]
    while len(ages) < max_attempts:
        if is_expired(params, now, create_time):
            return RetrySchedule(tuple(ages), expired=True)
        mtime = now + cooldown(params, now, create_time)
        now = next_tick_at_or_after(mtime - 1, params.queue_run_delay, tick_phase)
        ages.append(now - create_time)
    return RetrySchedule(tuple(ages), expired=False)


def next_tick_at_or_after(time: int, period: int, phase: int) -> int:
    """The first deferred-scan tick (phase + k*period, k >= 0) at or after `time`."""
    if time <= phase:
        return phase
    periods = -(-(time - phase) // period)
    return phase + periods * period
