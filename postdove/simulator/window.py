"""window - the per-destination concurrency window (docs/simulator.md §3.6, qmgr_queue.c).

DESCRIPTION
    A destination starts with initial_destination_concurrency parallel
    deliveries. Each delivery that completes without a site-level failure is
    positive feedback (slow start: the window grows while it is below
    busy + init); a site-level failure (connection refused, 421 greeting,
    handshake timeout) is negative feedback and adds 1/window to the failed
    cohorts. When the cohorts reach failed_cohort_limit the window becomes 0:
    the destination is dead until a timer of minimal_backoff_time revives it.

    The arithmetic, including the code's `failure - f/2 < 0` loop that drops a
    fresh window by two, is transliterated from the C; the comments cite it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from postdove.simulator.params import FEEDBACK

THROTTLED = 0


@dataclass(frozen=True)
class Feedback:
    """A feedback value: a constant, or base/window when written `x/concurrency`."""

    base: float
    per_window: bool = False

    @classmethod
    def parse(cls, text: str) -> Feedback:
        match = FEEDBACK.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a feedback value such as 1, 1/4 or 1/concurrency")
        numerator = float(match.group(1))
        denominator = match.group(4)
        if denominator == "concurrency":
            value = cls(numerator, per_window=True)
        elif denominator:
            value = cls(numerator / float(denominator))
        else:
            value = cls(numerator)
        # qmgr_feedback.c: outside 0..1, warn and use 1.
        return value if 0 <= value.base <= 1 else cls(1.0)

    def at(self, window: int) -> float:
        return self.base / window if self.per_window else self.base


@dataclass
class ConcurrencyWindow:
    """One destination queue's window and feedback counters."""

    init: int = 5
    limit: int = 20
    positive: Feedback = field(default_factory=lambda: Feedback(1.0))
    negative: Feedback = field(default_factory=lambda: Feedback(1.0))
    cohort_limit: int = 1
    window: int = field(init=False)
    success: float = field(init=False)
    failure: float = field(init=False)
    fail_cohorts: float = field(init=False)

    def __post_init__(self) -> None:
        # qmgr_transport_create: init is clamped to a nonzero, smaller limit.
        if self.limit and self.init > self.limit:
            self.init = self.limit
        self.window = self.init
        # Set here rather than as defaults, which the compiled class (setup.py) would not apply.
        self.success = self.failure = self.fail_cohorts = 0.0

    @property
    def dead(self) -> bool:
        return self.window == THROTTLED

    def unthrottle(self, busy: int) -> None:
        """Positive feedback, or revival of a dead window; `busy` counts the completing delivery."""
        self.fail_cohorts = 0.0
        if self.window == THROTTLED:
            self.window = busy if busy > 0 else self.init
            self.success = self.failure = 0.0
            return
        if (self.limit == 0 or self.limit > self.window) and self.window < busy + self.init:
            f = self.positive.at(self.window)
            self.success += f
            while self.success + f / 2 >= 1:
                self.window += 1
                self.success -= 1
                self.failure = 0.0
            if self.limit > 0 and self.window > self.limit:
                self.window = self.limit

    def throttle(self) -> None:
        """Negative feedback for a site-level failure; may leave the window dead (0)."""
        if self.window > 0:
            self.fail_cohorts += 1.0 / self.window
            if self.cohort_limit > 0 and self.fail_cohorts >= self.cohort_limit:
                self.window = THROTTLED
        if self.window > 0:
            f = self.negative.at(self.window)
            self.failure -= f
            while self.failure - f / 2 < 0:
                self.window -= 1
                self.success = 0.0
                self.failure += 1
            self.window = max(self.window, 1)
