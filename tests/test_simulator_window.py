"""The concurrency window follows qmgr_queue.c (docs/simulator.md §3.6)."""

import pytest

from postdove.simulator.window import ConcurrencyWindow, Feedback


def test_three_site_failures_kill_a_fresh_destination():
    window = ConcurrencyWindow()
    seen = []
    for _ in range(3):
        window.throttle()
        seen.append((window.window, round(window.fail_cohorts, 5)))
    assert seen == [(3, 0.2), (2, 0.53333), (0, 1.03333)]
    assert window.dead


def test_revival_takes_busy_or_init():
    window = ConcurrencyWindow()
    for _ in range(3):
        window.throttle()
    window.unthrottle(busy=0)
    assert (window.window, window.fail_cohorts) == (5, 0.0)


def test_slow_start_grows_to_the_limit_while_busy():
    window = ConcurrencyWindow()
    for _ in range(40):
        window.unthrottle(busy=window.window)
    assert window.window == 20


def test_one_delivery_at_a_time_stops_at_init_plus_one():
    window = ConcurrencyWindow()
    for _ in range(10):
        window.unthrottle(busy=1)
    assert window.window == 6


def test_per_window_feedback_steps_down_once_per_cycle():
    """With 1/concurrency, each window size absorbs about `window` failures before it shrinks by one."""
    window = ConcurrencyWindow(negative=Feedback.parse("1/concurrency"), cohort_limit=10)
    steps = []
    for _ in range(10):
        window.throttle()
        steps.append(window.window)
    assert steps == [4, 4, 4, 3, 3, 3, 2, 2, 1, 1]
    assert not window.dead


@pytest.mark.parametrize(
    ("text", "base", "per_window"),
    [("1", 1.0, False), ("1/4", 0.25, False), ("1/concurrency", 1.0, True), ("3", 1.0, False)],
)
def test_feedback_forms(text, base, per_window):
    assert Feedback.parse(text) == Feedback(base, per_window)


def test_init_is_clamped_to_a_smaller_limit():
    assert ConcurrencyWindow(init=5, limit=2).window == 2
