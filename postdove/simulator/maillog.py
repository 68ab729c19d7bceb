"""maillog - the model's mail events as Postfix logs them: `Mon DD HH:MM:SS host postfix/proc[pid]: text`.

The line formats are docs/simulator.md §6.2's; logparse.py reads them back.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass
from functools import singledispatch

from postdove.simulator.events import Admitted, ConnectFailed, Delivered, Expired, MailEvent, NoticeSent, Removed

# Simulated time 0 is this moment (UTC); any fixed start keeps runs repeatable.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class LogLine:
    """One line's content: the process and the text after `postfix/<process>[pid]: `."""

    time: float
    process: str
    text: str


@singledispatch
def log_line(event: MailEvent) -> LogLine:
    raise TypeError(f"not a mail event: {event!r}")


@log_line.register
def _(event: Admitted) -> LogLine:
    text = f"{event.qid}: from=<{event.sender}>, size={event.size}, nrcpt={event.nrcpt} (queue active)"
    return LogLine(event.time, "qmgr", text)


@log_line.register
def _(event: Delivered) -> LogLine:
    # delays=a/b/c/d: before the active queue, in it, connection set-up, transmission (log_adhoc.c).
    delays = "/".join(
        format_tv(end - start)
        for start, end in (
            (event.arrival, event.active_time),
            (event.active_time, event.handoff),
            (event.handoff, event.setup_done),
            (event.setup_done, event.time),
        )
    )
    text = (
        f"{event.qid}: to=<{event.recipient}>, relay={event.relay}, delay={format_tv(event.time - event.arrival)}, "
        f"delays={delays}, dsn={event.dsn}, status={event.status} ({event.reason})"
    )
    return LogLine(event.time, event.agent, text)


@log_line.register
def _(event: ConnectFailed) -> LogLine:
    return LogLine(event.time, event.agent, event.reason)


@log_line.register
def _(event: Expired) -> LogLine:
    return LogLine(event.time, "qmgr", f"{event.qid}: from=<{event.sender}>, status=expired, returned to sender")


@log_line.register
def _(event: Removed) -> LogLine:
    return LogLine(event.time, "qmgr", f"{event.qid}: removed")


@log_line.register
def _(event: NoticeSent) -> LogLine:
    return LogLine(event.time, "bounce", f"{event.qid}: {event.notice}: {event.notice_qid}")


def format_line(event: MailEvent, host: str = "server.hello.com") -> str:
    line = log_line(event)
    stamp = EPOCH + dt.timedelta(seconds=int(line.time))
    # A stable fake pid per process name; Postfix's are real pids.
    pid = 1000 + zlib.crc32(line.process.encode()) % 9000
    return f"{stamp:%b} {stamp.day:>2} {stamp:%H:%M:%S} {host} postfix/{line.process}[{pid}]: {line.text}"


def format_tv(value: float) -> str:
    """Postfix's delay format: 2 significant digits, <0.005 as 0, integers from 10 (format_tv.c)."""
    if value < 0.005:
        return "0"
    if value < 1:
        text = f"{math.floor(value * 100 + 0.5) / 100:.2f}"
    elif value < 10:
        text = f"{math.floor(value * 10 + 0.5) / 10:.1f}"
    else:
        return str(math.floor(value + 0.5))
    return text.rstrip("0").rstrip(".")
