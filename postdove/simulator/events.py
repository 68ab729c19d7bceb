"""events - what the simulation tells its observers (mail log, reports, plots).

The model only emits these records; it never formats or draws anything.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogRecord:
    """One mail-log line's content: the process and the text after `postfix/<process>[pid]: `."""

    time: float
    process: str
    text: str


@dataclass(frozen=True)
class QueueSizes:
    """Messages in each queue at `time` (sampled once per simulated second)."""

    time: float
    incoming: int
    active: int
    deferred: int


@dataclass(frozen=True)
class QueuedMessage:
    """A message in incoming, active or deferred, as qshape sees it: its arrival and pending recipients' domains."""

    queue: str
    arrival: float
    sender: str
    recipient_domains: tuple[str, ...]


@dataclass(frozen=True)
class QueueSnapshot:
    """Every queued message at `time` (taken at the times the caller asked for)."""

    time: float
    messages: tuple[QueuedMessage, ...]
