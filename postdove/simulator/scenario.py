"""scenario - the YAML file that describes a simulation: arrivals, destinations, and parameters.

DESCRIPTION
    A scenario names its Postfix version and main.cf overrides, the arrival
    patterns (steady rate, burst, or messages at given times, as a replayed
    log gives them) and each destination's behaviour over
    time (accept, defer, bounce, refuse, timeout, greet_421). load() validates
    it with pydantic, so a bad file fails with the path of the bad field.

DIAGNOSTICS
    ScenarioError, whose message lists each bad field as `a.b.0.c: reason`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Behaviour = Literal["accept", "defer", "bounce", "refuse", "timeout", "greet_421"]


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names each bad field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phase(Strict):
    """From `start` (simulated seconds) on, the destination behaves like this until the next phase."""

    start: float = Field(0, ge=0)
    behaviour: Behaviour
    latency: float = Field(0.1, ge=0, description="seconds a delivery (or the 421 greeting) takes")


class Destination(Strict):
    name: str = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    port: int | None = Field(None, ge=1, le=65535, description="the test MX port that plays it (validation)")

    @model_validator(mode="after")
    def phases_in_order(self) -> Destination:
        starts = [p.start for p in self.phases]
        if starts != sorted(starts) or starts[0] != 0:
            raise ValueError("phases must start at 0 and be in order of start time")
        return self

    def phase_at(self, time: float) -> Phase:
        current = self.phases[0]
        for phase in self.phases:
            if phase.start <= time:
                current = phase
        return current


class Arrival(Strict):
    """Messages entering through smtpd.

    `steady`: `rate` per second over [start, end); `burst`: `count` at `start`;
    `at`: one message at each of the times `at` (seconds, in order).
    """

    kind: Literal["steady", "burst", "at"]
    start: float = Field(0, ge=0)
    end: float | None = Field(None, gt=0)
    rate: float | None = Field(None, gt=0)
    count: int | None = Field(None, gt=0)
    at: list[float] | None = Field(None, min_length=1)
    recipients: int = Field(1, ge=1)
    destinations: list[str] = Field(min_length=1)
    sender: str = "sender@hello.com"

    @model_validator(mode="after")
    def fields_of_kind(self) -> Arrival:
        if self.kind == "steady" and (self.rate is None or self.end is None or self.end <= self.start):
            raise ValueError("a steady arrival needs rate and an end after its start")
        if self.kind == "burst" and self.count is None:
            raise ValueError("a burst arrival needs count")
        if self.kind == "at" and (not self.at or self.at != sorted(self.at) or self.at[0] < 0):
            raise ValueError("an `at` arrival needs its times, from 0 up, in order")
        return self

    def times(self) -> Iterator[float]:
        """Each message's arrival time, made as it is needed (ten million need not sit in a list)."""
        if self.kind == "burst":
            return itertools.repeat(self.start, self.count or 0)
        if self.kind == "at":
            return iter(self.at or [])
        assert self.rate is not None and self.end is not None
        start, rate = self.start, self.rate
        return (start + i / rate for i in range(int((self.end - start) * rate)))


class Validation(Strict):
    """How closely a real Postfix must follow the prediction (molecule/qmgr)."""

    tolerance: float = Field(1.0, gt=0, description="seconds each time may differ")
    outliers: int = Field(0, ge=0, description="delivery or active-queue times allowed beyond the tolerance")
    qshape_at: float | None = Field(None, gt=0, description="compare the real qshape with the simulated one then")


class Scenario(Strict):
    duration: float = Field(gt=0, description="simulated seconds")
    clock: str | None = Field(
        None, pattern=r"^\d\d:\d\d(:\d\d)?$", description="the time of day of second 0 (a replayed log's), HH:MM[:SS]"
    )
    postfix_version: Literal["2.10", "3.7"] = "3.7"
    maincf: dict[str, str | int] = Field(default_factory=dict, description="main.cf overrides")
    arrivals: list[Arrival] = Field(min_length=1)
    destinations: list[Destination] = Field(min_length=1)
    validation: Validation = Field(default_factory=Validation)

    @model_validator(mode="after")
    def destinations_are_known(self) -> Scenario:
        known = {d.name for d in self.destinations}
        for i, arrival in enumerate(self.arrivals):
            for name in arrival.destinations:
                if name not in known:
                    raise ValueError(f"arrivals.{i}.destinations: {name!r} is not in destinations")
        return self

    def maincf_text(self) -> str:
        return "\n".join(f"{name} = {value}" for name, value in self.maincf.items())


def clock_seconds(clock: str) -> int:
    """Seconds since midnight of a time of day written HH:MM or HH:MM:SS (a scenario's clock, a what-if time)."""
    hours, minutes, *rest = (int(part) for part in clock.split(":"))
    return hours * 3600 + minutes * 60 + (rest[0] if rest else 0)


def parse(data: object, source: str = "scenario") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise ScenarioError(f"{source}: {problems}") from None


def load(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: {error}") from None
    return parse(data, str(path))
