"""whatif - edits to a scenario, for the question "what if ... ?" (docs/simulator.md §9).

An edit is one of:
    DOMAIN down FROM-TO   the destination refuses connections from FROM to TO
                          (HH:MM[:SS] on the scenario's clock, or seconds)
    arrivals xFACTOR      every arrival pattern FACTOR times as heavy
    NAME=VALUE            a main.cf parameter (e.g. default_process_limit=50)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from postdove.simulator.scenario import Scenario, ScenarioError, clock_seconds, parse

DOWN = re.compile(r"^(\S+)\s+down\s+(\S+)\s*-\s*(\S+)$")
ARRIVALS = re.compile(r"^arrivals\s+[x*]\s*(\d+(?:\.\d+)?)$")
PARAMETER = re.compile(r"^(\w+)\s*=\s*(.+)$")
FORMS = "'DOMAIN down 10:00-12:00', 'arrivals x5' or 'default_process_limit=50'"


@dataclass(frozen=True)
class Edited:
    scenario: Scenario
    maincf: str  # main.cf lines the edits add, read after every other source


def apply(spec: Scenario, edits: list[str]) -> Edited:
    data = spec.model_dump(exclude_none=True)
    maincf: list[str] = []
    for edit in edits:
        text = edit.strip()
        if down := DOWN.match(text):
            domain, start, end = down.groups()
            take_down(data, domain, seconds(start, spec), seconds(end, spec), edit)
        elif arrivals := ARRIVALS.match(text):
            scale_arrivals(data, float(arrivals.group(1)), edit)
        elif parameter := PARAMETER.match(text):
            maincf.append(f"{parameter.group(1)} = {parameter.group(2).strip()}")
        else:
            raise ValueError(f"what-if {edit!r}: not an edit; use {FORMS}")
    try:
        return Edited(parse(data, "the edited scenario"), "\n".join(maincf))
    except ScenarioError as error:
        raise ValueError(f"what-if {', '.join(edits)}: {error}") from None


def seconds(moment: str, spec: Scenario) -> float:
    """Seconds of simulated time for `moment`: a number, or a time of day on the scenario's clock."""
    if re.fullmatch(r"\d+(\.\d+)?", moment):
        return float(moment)
    if not re.fullmatch(r"\d\d?:\d\d(:\d\d)?", moment):
        raise ValueError(f"what-if time {moment!r}: use HH:MM, HH:MM:SS or seconds")
    if spec.clock is None:
        raise ValueError(f"what-if time {moment!r}: this scenario has no clock; give seconds instead")
    offset = float(clock_seconds(moment) - clock_seconds(spec.clock))
    # Up to 12 h before the clock is earlier the same day (second 0 at the latest); more is the next day.
    return offset + 86400 if offset < -43200 else max(offset, 0.0)


def take_down(data: dict[str, Any], domain: str, start: float, end: float, edit: str) -> None:
    if end <= start:
        raise ValueError(f"what-if {edit!r}: the outage must end after it starts")
    destination = next((d for d in data["destinations"] if d["name"] == domain.lower()), None)
    if destination is None:
        known = ", ".join(d["name"] for d in data["destinations"])
        raise ValueError(f"what-if {edit!r}: {domain!r} is not a destination of the scenario ({known})")
    phases = destination["phases"]

    def in_force(time: float) -> dict[str, Any]:
        return [p for p in phases if p["start"] <= time][-1]

    after = dict(in_force(end), start=end)
    destination["phases"] = (
        [p for p in phases if p["start"] < start]
        + [{"start": start, "behaviour": "refuse", "latency": 0.0}, after]
        + [p for p in phases if p["start"] > end]
    )
    if destination["phases"][0]["start"] != 0:
        destination["phases"].insert(0, dict(phases[0], start=0))


def scale_arrivals(data: dict[str, Any], factor: float, edit: str) -> None:
    if factor <= 0:
        raise ValueError(f"what-if {edit!r}: the factor must be above 0")
    for arrival in data["arrivals"]:
        if arrival["kind"] == "burst":
            arrival["count"] = max(1, round(arrival["count"] * factor))
        elif arrival["kind"] == "steady":
            arrival["rate"] *= factor
        else:
            times = arrival["at"]
            arrival["at"] = [times[int(i / factor)] for i in range(max(1, round(len(times) * factor)))]
