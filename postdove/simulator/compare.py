"""compare - hold a real Postfix's mail log to the simulator's prediction (docs/simulator.md §6.5 tolerances).

Queue IDs and directory scan order differ between the two, so messages are
compared as groups: the counts of delivery results per (process, status),
the sorted times of all delivery results and of all active-queue entries
(each within the tolerance, but for at most `outliers` of them), each
message's number of attempts, the expiries, and the non-delivery and delay
notices sent. Then each kind of result line (process, status, dsn) field by
field: relay= and the status text as sets, each delays= component as sorted
times; and the `connect to` lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from postdove.simulator.logparse import MessageEvents, Result

DELAY_NAMES = ("a (before qmgr)", "b (in qmgr)", "c (connection set-up)", "d (transmission)")


@dataclass
class Comparison:
    problems: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self, condition: bool, problem: str) -> None:
        self.checked += 1
        if not condition:
            self.problems.append(problem)


def within(got: list[float], want: list[float], tolerance: float) -> list[str]:
    misses = [
        f"#{i}: real {g:g} s, predicted {w:g} s"
        for i, (g, w) in enumerate(zip(got, want, strict=False))
        if abs(g - w) > tolerance
    ]
    return misses


def compare(
    real: list[MessageEvents],
    predicted: list[MessageEvents],
    until: float,
    tolerance: float = 1.0,
    outliers: int = 0,
) -> Comparison:
    """Compare the events up to `until` seconds after the first arrival."""
    result = Comparison()
    result.check(len(real) == len(predicted), f"messages: real {len(real)}, predicted {len(predicted)}")

    def deliveries(messages: list[MessageEvents]) -> list[tuple[float, str, str]]:
        return sorted(d for m in messages for d in m.deliveries if d[0] <= until)

    real_d, pred_d = deliveries(real), deliveries(predicted)
    real_counts = Counter((p, s) for _, p, s in real_d)
    pred_counts = Counter((p, s) for _, p, s in pred_d)
    result.check(
        real_counts == pred_counts, f"delivery results: real {dict(real_counts)}, predicted {dict(pred_counts)}"
    )
    misses = within([t for t, _, _ in real_d], [t for t, _, _ in pred_d], tolerance)
    result.check(len(misses) <= outliers, f"delivery times beyond ±{tolerance:g} s: {misses[:5]} ({len(misses)})")

    real_a = sorted(t for m in real for t in m.attempts if t <= until)
    pred_a = sorted(t for m in predicted for t in m.attempts if t <= until)
    result.check(len(real_a) == len(pred_a), f"active-queue entries: real {len(real_a)}, predicted {len(pred_a)}")
    misses = within(real_a, pred_a, tolerance)
    result.check(len(misses) <= outliers, f"active-queue entry times beyond ±{tolerance:g} s: {misses[:5]}")

    attempts = sorted(len([t for t in m.attempts if t <= until]) for m in real)
    predicted_attempts = sorted(len([t for t in m.attempts if t <= until]) for m in predicted)
    result.check(
        attempts == predicted_attempts, f"attempts per message: real {attempts}, predicted {predicted_attempts}"
    )
    real_exp = sorted(m.expired_at for m in real if m.expired_at is not None and m.expired_at <= until)
    pred_exp = sorted(m.expired_at for m in predicted if m.expired_at is not None and m.expired_at <= until)
    result.check(
        len(real_exp) == len(pred_exp) and not within(real_exp, pred_exp, tolerance),
        f"expiries: real {real_exp}, predicted {pred_exp}",
    )
    real_n = sorted((t, kind) for m in real for t, kind in m.notices if t <= until)
    pred_n = sorted((t, kind) for m in predicted for t, kind in m.notices if t <= until)
    result.check(
        [k for _, k in real_n] == [k for _, k in pred_n]
        and not within([t for t, _ in real_n], [t for t, _ in pred_n], tolerance),
        f"notices to the sender: real {real_n}, predicted {pred_n}",
    )
    compare_fields(result, real, predicted, until, tolerance, outliers)
    return result


def compare_fields(
    result: Comparison,
    real: list[MessageEvents],
    predicted: list[MessageEvents],
    until: float,
    tolerance: float,
    outliers: int,
) -> None:
    """Each kind of result line, field by field (docs/simulator.md §6.2)."""

    def by_kind(messages: list[MessageEvents]) -> dict[tuple[str, str, str], list[Result]]:
        kinds: dict[tuple[str, str, str], list[Result]] = {}
        for r in (r for m in messages for r in m.results if r.time <= until):
            kinds.setdefault(r.kind, []).append(r)
        return kinds

    real_kinds, pred_kinds = by_kind(real), by_kind(predicted)
    real_counts = {"/".join(k): len(v) for k, v in real_kinds.items()}
    pred_counts = {"/".join(k): len(v) for k, v in pred_kinds.items()}
    result.check(
        real_counts == pred_counts, f"result lines per process/status/dsn: real {real_counts}, predicted {pred_counts}"
    )
    for kind in sorted(real_kinds.keys() & pred_kinds.keys()):
        got, want = real_kinds[kind], pred_kinds[kind]
        name = "/".join(kind)
        for field_name in ("relay", "reason"):
            real_values = {getattr(r, field_name) for r in got}
            predicted_values = {getattr(r, field_name) for r in want}
            result.check(
                real_values == predicted_values,
                f"{name} {field_name}: real {sorted(real_values)}, predicted {sorted(predicted_values)}",
            )
        for i, component in enumerate(DELAY_NAMES):
            misses = within(sorted(r.delays[i] for r in got), sorted(r.delays[i] for r in want), tolerance)
            result.check(len(misses) <= outliers, f"{name} delays {component} beyond ±{tolerance:g} s: {misses[:5]}")


def compare_connect_lines(
    real: list[tuple[float, str]], predicted: list[tuple[float, str]], until: float, tolerance: float
) -> Comparison:
    """smtp's `connect to ...` lines: the same texts, as many, at the same times."""
    result = Comparison()
    got = sorted(line for line in real if line[0] <= until)
    want = sorted(line for line in predicted if line[0] <= until)
    real_texts, pred_texts = Counter(text for _, text in got), Counter(text for _, text in want)
    result.check(real_texts == pred_texts, f"connect lines: real {dict(real_texts)}, predicted {dict(pred_texts)}")
    misses = within([t for t, _ in got], [t for t, _ in want], tolerance)
    result.check(not misses, f"connect line times beyond ±{tolerance:g} s: {misses[:5]}")
    return result
