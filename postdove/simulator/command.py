"""command - `postdove simulate`: load a scenario (or make one from a log), run it, print what came out.

With --what-if the same scenario runs twice, as given and edited, and the
summary puts the two side by side (docs/simulator.md §9).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from postdove.simulator import fromlog, params, plot, report, run, scenario, whatif


@dataclass
class Run:
    label: str
    spec: scenario.Scenario
    qmgr: params.QmgrParams
    results: run.Results | None = None


def load(args: argparse.Namespace) -> tuple[str, list[Run]]:
    """The runs to make: the scenario (or the log's), and the what-if edit of it if asked."""
    if args.from_log is not None:
        name = args.from_log.name
        spec = fromlog.scenario_from_log(args.from_log.read_text(errors="replace").splitlines())
        label = "as logged"
    else:
        name = args.scenario.name
        spec = scenario.load(args.scenario)
        label = "as given"
    if args.duration is not None:
        if args.duration <= 0:
            raise ValueError(f"--duration {args.duration:g}: give a number of seconds above 0")
        spec = spec.model_copy(update={"duration": args.duration})
    runs = [Run(label, spec, run.load_params(spec, args.maincf))]
    if args.what_if:
        edited = whatif.apply(spec, args.what_if)
        qmgr = run.load_params(edited.scenario, args.maincf, edited.maincf)
        runs.append(Run("what if: " + "; ".join(args.what_if), edited.scenario, qmgr))
    return name, runs


def simulate(args: argparse.Namespace) -> int:
    console = Console()
    try:
        name, runs = load(args)
    except (scenario.ScenarioError, ValueError, OSError) as error:
        console.print(f"[red]postdove simulate: {error}[/red]", highlight=False)
        return 2
    for i, each in enumerate(runs):
        log_path: Path | None = args.log if i == len(runs) - 1 else None
        log = log_path.open("w") if log_path else None
        try:
            with Progress(console=console, transient=True, disable=args.no_progress or not console.is_terminal) as bar:
                task = bar.add_task(f"simulating {each.label}", total=each.spec.duration)
                each.results = run.run_scenario(
                    each.spec,
                    each.qmgr,
                    log,
                    tuple(sorted(args.qshape_at)),
                    lambda now, task=task: bar.update(task, completed=now),
                    detail=args.plot is not None,
                )
        finally:
            if log:
                log.close()

    first = runs[0].spec
    console.print(summary_table(f"{name}: {first.duration:g} s simulated, Postfix {first.postfix_version}", runs))
    queues = tuple(args.qshape_queues.split(","))
    for each in runs:
        assert each.results is not None
        for snap in each.results.snapshots:
            heading = f"\nqshape {' '.join(queues)} at {snap.time:g} s"
            console.print(heading + (f" ({each.label})" if len(runs) > 1 else ""), highlight=False)
            console.print(report.qshape(snap, queues), highlight=False, soft_wrap=True)
    if args.plot:
        series = [
            plot.Series(each.label, each.results.samples, each.results.deferred_by_domain, each.results.deliveries)
            for each in runs
            if each.results
        ]
        plot.queue_sizes_png(series, args.plot, f"{name}: queues and latency", runs[-1].spec)
        console.print(f"wrote {args.plot}")
    return 0


def summary_table(title: str, runs: list[Run]) -> Table:
    table = Table(title=title)
    table.add_column("outcome")
    for each in runs:
        table.add_column(each.label if len(runs) > 1 else "count", justify="right")
    summaries = [each.results.summary for each in runs if each.results]
    samples = [each.results.samples for each in runs if each.results]
    for label, values in (
        ("messages arrived", [s.arrived for s in summaries]),
        ("recipients delivered", [s.delivered for s in summaries]),
        ("recipients bounced", [s.bounced for s in summaries]),
        ("recipients expired", [s.expired for s in summaries]),
        ("messages still queued", [s.still_queued for s in summaries]),
        ("notices sent", [s.notices for s in summaries]),
        ("delivery attempts", [s.attempts for s in summaries]),
        ("peak active queue", [max((q.active for q in each), default=0) for each in samples]),
        ("peak deferred queue", [max((q.deferred for q in each), default=0) for each in samples]),
    ):
        table.add_row(label, *(f"{value:,}" for value in values))
    for cut in ("p50", "p90", "p99", "max"):
        cells = [f"{s.latency_percentiles[cut]:,.1f} s" if cut in s.latency_percentiles else "-" for s in summaries]
        table.add_row(f"delivery latency {cut}", *cells)
    return table
