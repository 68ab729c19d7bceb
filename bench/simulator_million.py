"""simulator_million - how fast the qmgr model runs a day of heavy mail.

Simulates 1,000,000 messages (or --messages) over one simulated day across 40
destinations, ten of them refusing connections for two hours, and prints wall
time, events per second (heap events plus log records) and peak memory; then
the same for a 100,000-message baseline in the same process, and the ratio.
It names the engine it ran: bench/simulator-compiled runs it on the wheel's
compiled one.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Sequence

from postdove.simulator import engine, params, scenario
from postdove.simulator.engine import Simulation

DAY = 86400.0
DEFAULT_MESSAGES = 1_000_000
BASELINE_MESSAGES = 100_000


def day_of_mail(messages: int) -> scenario.Scenario:
    """A day of steady mail to 40 destinations of four kinds, ten of each.

    Forty rather than four so that ten million messages (116 a second) stay within each
    destination's concurrency limit: the work then grows with the messages, not with a backlog.
    """
    kinds = {
        "fast": [{"behaviour": "accept", "latency": 0.2}],
        "slow": [{"behaviour": "accept", "latency": 0.8}],
        "late": [{"behaviour": "defer", "latency": 0.3}, {"start": 600, "behaviour": "accept", "latency": 0.3}],
        "down": [
            {"behaviour": "accept", "latency": 0.5},
            {"start": 36000, "behaviour": "refuse", "latency": 0},
            {"start": 43200, "behaviour": "accept", "latency": 0.5},
        ],
    }
    destinations = [
        {"name": f"{kind}{i}.example", "phases": phases} for i in range(10) for kind, phases in kinds.items()
    ]
    return scenario.parse(
        {
            "duration": DAY,
            "arrivals": [
                {
                    "kind": "steady",
                    "rate": messages / DAY,
                    "start": 0,
                    "end": DAY,
                    "recipients": 1,
                    "destinations": [d["name"] for d in destinations],
                }
            ],
            "destinations": destinations,
        }
    )


def measure(messages: int) -> tuple[float, int, int]:
    """Wall seconds, simulation events, delivered recipients."""
    start = time.perf_counter()
    totals = Simulation(day_of_mail(messages), params.defaults(), mail_log=False).run()
    return time.perf_counter() - start, totals.events, totals.delivered


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--messages", type=int, default=DEFAULT_MESSAGES, help=f"messages in the day (default {DEFAULT_MESSAGES:,})"
    )
    args = parser.parse_args(argv)

    # The wheel's engine is compiled by mypyc (setup.py); the checkout's is plain Python.
    compiled = not engine.__file__.endswith(".py")
    print(f"engine: {'compiled by mypyc' if compiled else 'pure Python'} ({engine.__file__})")
    base_wall, base_events, _ = measure(BASELINE_MESSAGES)
    wall, events, delivered = measure(args.messages)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"baseline {BASELINE_MESSAGES:>9,} messages: {base_wall:6.1f} s, {base_events / base_wall:10,.0f} events/s")
    print(
        f"run      {args.messages:>9,} messages: {wall:6.1f} s, {events / wall:10,.0f} events/s, "
        f"{delivered:,} delivered, peak RSS {rss:,.0f} MiB"
    )
    print(f"events/s ratio run/baseline: {(events / wall) / (base_events / base_wall):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
