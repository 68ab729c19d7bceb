"""plot - a PNG of the queue sizes over time, one or more runs (matplotlib, no display needed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from postdove.simulator.events import QueueSizes


@dataclass(frozen=True)
class Series:
    label: str
    samples: list[QueueSizes]


def queue_sizes_png(runs: list[Series], path: Path, title: str, clock: str | None = None) -> None:
    """Active and deferred (and incoming) per run; the first run solid, the others dashed.

    With the scenario's `clock` the time axis is hours of the day, else simulated seconds.
    """
    offset = hours_of_day(clock)
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    for i, run in enumerate(runs):
        times = [s.time / 3600 + offset for s in run.samples] if clock else [s.time for s in run.samples]
        style = "-" if i == 0 else "--"
        prefix = f"{run.label}: " if len(runs) > 1 else ""
        for name in ("incoming", "active", "deferred"):
            axes.plot(times, [getattr(s, name) for s in run.samples], style, label=prefix + name)
    axes.set_xlabel("time of day (h)" if clock else "simulated time (s)")
    axes.set_ylabel("messages")
    axes.set_title(title)
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def hours_of_day(clock: str | None) -> float:
    if not clock:
        return 0.0
    moment = dt.datetime.strptime(clock if clock.count(":") == 2 else clock + ":00", "%H:%M:%S")
    return moment.hour + moment.minute / 60 + moment.second / 3600
