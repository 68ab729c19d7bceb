"""report - what a run produced: the summary numbers and qshape tables (docs/simulator.md §7).

qshape() reproduces auxiliary/qshape/qshape.pl's table: recipients (or, with
by_sender, messages by sender domain) per domain, in age buckets of `tick`
minutes that double up to `buckets` columns.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from postdove.simulator.engine import Totals
from postdove.simulator.events import QueueSnapshot


@dataclass(frozen=True)
class Summary:
    arrived: int
    delivered: int
    bounced: int
    expired: int
    still_queued: int
    notices: int
    attempts: int
    latency_percentiles: dict[str, float]


def summarize(totals: Totals, still_queued: int) -> Summary:
    latencies = sorted(totals.latencies)
    percentiles: dict[str, float] = {}
    if latencies:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
        percentiles = {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": latencies[-1]}
    return Summary(
        totals.arrived,
        totals.delivered,
        totals.bounced,
        totals.expired,
        still_queued,
        totals.notices,
        totals.attempts,
        percentiles,
    )


def qshape_totals(table: str) -> dict[str, int]:
    """The T column of a qshape table (qshape.pl's or qshape()'s): recipients per domain, and TOTAL."""
    totals: dict[str, int] = {}
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2 and fields[1].isdigit():
            totals[fields[0]] = int(fields[1])
    return totals


def qshape_domain(address_domain: str) -> str:
    """qshape's normalisation: lower case, empty -> MAILER-DAEMON, '..' -> '.', one outer dot off."""
    domain = address_domain.lower()
    if not domain:
        return "MAILER-DAEMON"
    domain = domain.rpartition("@")[2].replace("..", ".")
    domain = domain.removeprefix(".")
    return domain.removesuffix(".")


def bucket(age_seconds: float, tick: float, buckets: int) -> int:
    minutes = age_seconds / (60 * tick)
    if minutes < 1:
        return 1
    return min(2 + int(math.log2(minutes)), buckets)


def qshape(
    snapshot: QueueSnapshot,
    queues: tuple[str, ...] = ("incoming", "active"),
    tick: float = 5,
    buckets: int = 10,
    by_sender: bool = False,
    width: int = 80,
) -> str:
    counts: dict[str, list[int]] = {"TOTAL": [0] * (buckets + 1)}
    for message in snapshot.messages:
        if message.queue not in queues:
            continue
        column = bucket(snapshot.time - message.arrival, tick, buckets)
        domains = (
            [message.sender.rpartition("@")[2] if message.sender else ""]
            if by_sender
            else list(message.recipient_domains)
        )
        for domain in domains:
            row = counts.setdefault(qshape_domain(domain), [0] * (buckets + 1))
            for target in (row, counts["TOTAL"]):
                target[0] += 1
                target[column] += 1

    headings = ["T"] + [f"{tick * 2**i:.15g}" for i in range(buckets - 1)]
    headings.append(headings[-1] + "+")
    widths = []
    for i, heading in enumerate(headings):
        size = max(len(str(counts["TOTAL"][i])), len(heading))
        widths.append(size + 1 if size > 2 else 3)
    domain_width = max(width - sum(widths), 18)

    def line(name: str, cells: list[str]) -> str:
        if len(name) > domain_width:
            name = "+" + name[-(domain_width - 1) :]
        return f"{name:>{domain_width}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))

    rows = sorted(counts.items(), key=lambda item: (-item[1][0], len(item[0])))
    return "\n".join([line("", headings)] + [line(name, [str(n) for n in row]) for name, row in rows])
