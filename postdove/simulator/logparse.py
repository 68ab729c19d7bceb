"""logparse - read a Postfix mail log (real or simulated) into per-message delivery events.

Only what the comparison needs: when each message entered the active
queue, every `to=<...>, status=...` line with its fields, expiries, notices,
and smtp's `connect to ...` lines (which carry no queue ID).
Times are seconds since the first tracked arrival; syslog stamps have one-second resolution.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

LINE = re.compile(r"^(\w{3}) +(\d+) (\d\d:\d\d:\d\d) \S+ postfix/([\w/-]+)\[\d+\]: (.*)$")
ACTIVE = re.compile(r"^([0-9A-F]+): from=<([^>]*)>, size=\d+, nrcpt=(\d+) \(queue active\)$")
DELIVERY = re.compile(
    r"^([0-9A-F]+): to=<([^>]*)>, (?:orig_to=<[^>]*>, )?relay=(\S+), (?:conn_use=\d+, )?delay=[\d.]+, "
    r"delays=([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+), dsn=([\d.]+), status=(\w+) \((.*)\)$"
)
CONNECT = re.compile(r"^connect to \S+: .*$")
EXPIRED = re.compile(r"^([0-9A-F]+): from=<([^>]*)>, status=expired, returned to sender$")
NOTICE = re.compile(r"^([0-9A-F]+): (sender (?:non-delivery|delay) notification): [0-9A-F]+$")


@dataclass(frozen=True)
class Result:
    """One `to=<...>` line: the delivery agent's result for a recipient, with Postfix's fields."""

    time: float
    process: str
    relay: str
    delays: tuple[float, float, float, float]  # a/b/c/d: before qmgr, in qmgr, connection set-up, transmission
    dsn: str
    status: str
    reason: str

    @property
    def kind(self) -> tuple[str, str, str]:
        return self.process, self.status, self.dsn


@dataclass
class MessageEvents:
    qid: str
    first_active: float
    attempts: list[float] = field(default_factory=list)  # times of the message's entries into the active queue
    deliveries: list[tuple[float, str, str]] = field(default_factory=list)  # (time, process, status)
    results: list[Result] = field(default_factory=list)  # the same lines with all their fields
    expired_at: float | None = None
    notices: list[tuple[float, str]] = field(default_factory=list)  # (time, kind) sent to the sender


def stamp_seconds(month: str, day: str, clock: str) -> float:
    moment = dt.datetime.strptime(f"2026 {month} {day} {clock}", "%Y %b %d %H:%M:%S")
    return moment.timestamp()


@dataclass(frozen=True)
class Line:
    """A Postfix log line: its syslog stamp, the stamp's clock text, the process (smtp, qmgr, ...) and the text."""

    seconds: float
    clock: str
    process: str
    text: str


def postfix_lines(lines: Iterable[str]) -> Iterator[Line]:
    """The Postfix lines among `lines`, others skipped."""
    for line in lines:
        match = LINE.match(line.rstrip("\n"))
        if match:
            month, day, clock, process, text = match.groups()
            yield Line(stamp_seconds(month, day, clock), clock, process.split("/")[-1], text)


def parse(lines: Iterable[str], sender: str) -> list[MessageEvents]:
    """The messages from `sender` in order of first arrival in the active queue (notices, from <>, are left out)."""
    messages: dict[str, MessageEvents] = {}
    origin: float | None = None
    for line in postfix_lines(lines):
        seconds, text = line.seconds, line.text
        if active := ACTIVE.match(text):
            qid, from_, _ = active.groups()
            if from_ != sender:
                continue
            origin = seconds if origin is None else origin
            message = messages.setdefault(qid, MessageEvents(qid, seconds - origin))
            message.attempts.append(seconds - origin)
        elif (delivery := DELIVERY.match(text)) and delivery.group(1) in messages and origin is not None:
            qid, _, relay, a, b, c, d, dsn, status, reason = delivery.groups()
            messages[qid].deliveries.append((seconds - origin, line.process, status))
            delays = (float(a), float(b), float(c), float(d))
            messages[qid].results.append(Result(seconds - origin, line.process, relay, delays, dsn, status, reason))
        elif (expired := EXPIRED.match(text)) and expired.group(1) in messages and origin is not None:
            messages[expired.group(1)].expired_at = seconds - origin
        elif (notice := NOTICE.match(text)) and notice.group(1) in messages and origin is not None:
            messages[notice.group(1)].notices.append((seconds - origin, notice.group(2)))
    return sorted(messages.values(), key=lambda m: (m.first_active, m.qid))


def connect_failures(lines: Iterable[str], sender: str) -> list[tuple[float, str]]:
    """smtp's `connect to HOST[ADDR]:PORT: reason` lines as (time, text), timed as parse() times them."""
    origin: float | None = None
    failures: list[tuple[float, str]] = []
    for line in postfix_lines(lines):
        if origin is None and (active := ACTIVE.match(line.text)) and active.group(2) == sender:
            origin = line.seconds
        elif origin is not None and line.process == "smtp" and CONNECT.match(line.text):
            failures.append((line.seconds - origin, line.text))
    return failures
