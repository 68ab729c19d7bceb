"""plot - a PNG of the queue sizes over simulated time (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from postdove.simulator.events import QueueSizes


def queue_sizes_png(samples: list[QueueSizes], path: Path, title: str) -> None:
    times = [s.time for s in samples]
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    for name in ("incoming", "active", "deferred"):
        axes.plot(times, [getattr(s, name) for s in samples], label=name)
    axes.set_xlabel("simulated time (s)")
    axes.set_ylabel("messages")
    axes.set_title(title)
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
