"""run - one simulation with the outputs it collects: summary, mail log, qshape snapshots, queue sizes.

The CLI's `postdove simulate` is a thin wrapper around run_scenario().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from postdove.simulator import maillog, params, report, scenario
from postdove.simulator.engine import Simulation
from postdove.simulator.events import MAIL_EVENTS, DeferredByDomain, MailEvent, QueueSizes, QueueSnapshot


@dataclass
class Results:
    summary: report.Summary
    snapshots: list[QueueSnapshot]
    samples: list[QueueSizes]
    deferred_by_domain: list[DeferredByDomain]  # with detail only
    deliveries: list[tuple[float, float]]  # (time, latency) of each delivery, with detail only


def load_params(spec: scenario.Scenario, maincf: Path | None, extra: str = "") -> params.QmgrParams:
    """Defaults of the scenario's Postfix version, its maincf block, a real main.cf if given, then `extra`."""
    text = spec.maincf_text()
    if maincf is not None:
        text += "\n" + maincf.read_text()
    return params.from_maincf(text + "\n" + extra, spec.postfix_version)


def run_scenario(
    spec: scenario.Scenario,
    qmgr: params.QmgrParams,
    log: TextIO | None = None,
    snapshot_times: tuple[float, ...] = (),
    progress: Callable[[float], None] | None = None,
    detail: bool = False,
) -> Results:
    snapshots: list[QueueSnapshot] = []
    samples: list[QueueSizes] = []
    deferred: list[DeferredByDomain] = []

    def observe(record: MailEvent | QueueSizes | QueueSnapshot | DeferredByDomain) -> None:
        if isinstance(record, MAIL_EVENTS):
            if log is not None:
                log.write(maillog.format_line(record) + "\n")
        elif isinstance(record, QueueSizes):
            samples.append(record)
        elif isinstance(record, DeferredByDomain):
            deferred.append(record)
        else:
            snapshots.append(record)

    simulation = Simulation(spec, qmgr, observe, snapshot_times, mail_log=log is not None, detail=detail)
    totals = simulation.run(progress)
    deliveries = list(zip(totals.delivered_at, totals.latencies, strict=False))
    return Results(report.summarize(totals, simulation.queued()), snapshots, samples, deferred, deliveries)
