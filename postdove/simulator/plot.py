"""plot - a PNG of a run (or a run and its what-if) as an admin reads it (matplotlib, no display needed).

Top: the active queue and, per destination, the deferred recipients, with the
phases when a destination misbehaved shaded. Bottom: delivery latency
percentiles over time. The time axis is hours of the day (second 0 at the
scenario's clock, else at midnight), or seconds for runs under two hours
without a clock. The first run is drawn solid, a what-if dashed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from postdove.simulator.events import DeferredByDomain, QueueSizes
from postdove.simulator.scenario import Scenario, clock_seconds

LATENCY_BINS = 60
MAX_DOMAIN_LINES = 6  # the domains with the largest deferred peaks; the rest would be noise


@dataclass(frozen=True)
class Series:
    label: str
    samples: list[QueueSizes]
    deferred_by_domain: list[DeferredByDomain] = field(default_factory=list)
    deliveries: list[tuple[float, float]] = field(default_factory=list)  # (time, latency)


def queue_sizes_png(runs: list[Series], path: Path, title: str, spec: Scenario) -> None:
    in_hours = spec.clock is not None or spec.duration >= 7200
    offset = hours_of_day(spec.clock)

    def axis(seconds: float) -> float:
        return seconds / 3600 + offset if in_hours else seconds

    figure, (queues, latency) = plt.subplots(2, 1, figsize=(10, 7), dpi=100, sharex=True)
    shade_phases(queues, spec, axis)
    for i, run in enumerate(runs):
        style = "-" if i == 0 else "--"
        prefix = f"{run.label}: " if len(runs) > 1 else ""
        queues.plot(
            [axis(s.time) for s in run.samples], [s.active for s in run.samples], style, label=prefix + "active"
        )
        if run.deferred_by_domain:
            for domain in busiest(run.deferred_by_domain):
                counts = [dict(sample.counts).get(domain, 0) for sample in run.deferred_by_domain]
                times = [axis(sample.time) for sample in run.deferred_by_domain]
                queues.plot(times, counts, style, label=f"{prefix}deferred {domain}")
        else:
            times = [axis(s.time) for s in run.samples]
            queues.plot(times, [s.deferred for s in run.samples], style, label=prefix + "deferred")
        for cut, values in latency_percentiles(run.deliveries, spec.duration).items():
            latency.plot([axis(t) for t, _ in values], [v for _, v in values], style, label=f"{prefix}{cut}")
    queues.set_ylabel("messages / recipients")
    queues.set_title(title)
    queues.legend(fontsize="small")
    queues.grid(alpha=0.3)
    latency.set_ylabel("delivery latency (s)")
    latency.set_xlabel("time of day (h)" if in_hours else "simulated time (s)")
    if any(run.deliveries for run in runs):
        latency.legend(fontsize="small")
    latency.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def shade_phases(axes: plt.Axes, spec: Scenario, axis: object) -> None:
    """Each destination's phases other than accept, shaded and named."""
    for destination in spec.destinations:
        for i, phase in enumerate(destination.phases):
            if phase.behaviour == "accept":
                continue
            end = destination.phases[i + 1].start if i + 1 < len(destination.phases) else spec.duration
            start_x, end_x = axis(phase.start), axis(end)  # type: ignore[operator]
            axes.axvspan(start_x, end_x, alpha=0.12, color="tab:red")
            axes.annotate(
                f"{destination.name} {phase.behaviour}",
                (start_x, 1.0),
                xycoords=("data", "axes fraction"),
                fontsize="x-small",
                va="top",
            )


def busiest(samples: list[DeferredByDomain]) -> list[str]:
    peaks: dict[str, int] = {}
    for sample in samples:
        for domain, count in sample.counts:
            peaks[domain] = max(peaks.get(domain, 0), count)
    return sorted(peaks, key=lambda domain: -peaks[domain])[:MAX_DOMAIN_LINES]


def latency_percentiles(deliveries: list[tuple[float, float]], duration: float) -> dict[str, list[tuple[float, float]]]:
    """p50, p90 and p99 of the deliveries in each of LATENCY_BINS time bins, at the bins' middles."""
    if not deliveries:
        return {}
    width = max(duration / LATENCY_BINS, 1.0)
    bins: dict[int, list[float]] = {}
    for time, latency in deliveries:
        bins.setdefault(int(time // width), []).append(latency)
    result: dict[str, list[tuple[float, float]]] = {"p50": [], "p90": [], "p99": []}
    for index in sorted(bins):
        values = sorted(bins[index])
        cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
        middle = (index + 0.5) * width
        for name, cut in (("p50", 49), ("p90", 89), ("p99", 98)):
            result[name].append((middle, cuts[cut]))
    return result


def hours_of_day(clock: str | None) -> float:
    return clock_seconds(clock) / 3600 if clock else 0.0
