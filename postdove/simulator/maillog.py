"""maillog - LogRecords as Postfix writes them: `Mon DD HH:MM:SS host postfix/proc[pid]: text`."""

from __future__ import annotations

import datetime as dt
import zlib

from postdove.simulator.events import LogRecord

# Simulated time 0 is this moment (UTC); any fixed start keeps runs repeatable.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def format_line(record: LogRecord, host: str = "server.hello.com") -> str:
    stamp = EPOCH + dt.timedelta(seconds=int(record.time))
    # A stable fake pid per process name; Postfix's are real pids.
    pid = 1000 + zlib.crc32(record.process.encode()) % 9000
    return f"{stamp:%b} {stamp.day:>2} {stamp:%H:%M:%S} {host} postfix/{record.process}[{pid}]: {record.text}"
