"""events - what the simulation tells its observers (mail log, reports, plots).

The model only emits these records; it never formats or draws anything
(maillog.py writes the mail-log records as Postfix's lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """A delivery agent's verdict on one recipient (the log's status=)."""

    SENT = "sent"
    BOUNCED = "bounced"
    DEFERRED = "deferred"


class Notice(StrEnum):
    """What the bounce daemon sends to a message's sender (docs/simulator.md §2.5)."""

    NON_DELIVERY = "sender non-delivery notification"
    DELAY = "sender delay notification"


@dataclass(frozen=True, slots=True)
class Admitted:
    """qmgr took a queue file into the active queue (§1.6)."""

    time: float
    qid: str
    sender: str
    size: int
    nrcpt: int


@dataclass(frozen=True, slots=True)
class Delivered:
    """One recipient's result from a delivery agent (smtp, local, ..., or `error` for the retry service, §3.2).

    The times are those of Postfix's delays=a/b/c/d (log_adhoc.c): arrival, entry
    into the active queue, hand-off to the agent, end of connection set-up.
    """

    time: float
    qid: str
    agent: str
    recipient: str
    relay: str
    arrival: float
    active_time: float
    handoff: float
    setup_done: float
    dsn: str
    status: Status
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectFailed:
    """smtp(8) could not connect to a nexthop: logged without a queue ID before the recipients' lines."""

    time: float
    agent: str
    reason: str


@dataclass(frozen=True, slots=True)
class Expired:
    """A message outlived its queue lifetime and is returned to its sender (§2.3)."""

    time: float
    qid: str
    sender: str


@dataclass(frozen=True, slots=True)
class Removed:
    """A finished message's queue file is deleted (§1.8)."""

    time: float
    qid: str


@dataclass(frozen=True, slots=True)
class NoticeSent:
    """The bounce daemon queued a notice for `qid`'s sender as message `notice_qid` (§2.5)."""

    time: float
    qid: str
    notice: Notice
    notice_qid: str


MailEvent = Admitted | Delivered | ConnectFailed | Expired | Removed | NoticeSent
MAIL_EVENTS = (Admitted, Delivered, ConnectFailed, Expired, Removed, NoticeSent)


@dataclass(frozen=True)
class QueueSizes:
    """Messages in each queue at `time` (sampled once per simulated second)."""

    time: float
    incoming: int
    active: int
    deferred: int


@dataclass(frozen=True)
class DeferredByDomain:
    """Recipients waiting in the deferred queue per domain at `time` (sampled when plotting)."""

    time: float
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class QueuedMessage:
    """A message in incoming, active or deferred, as qshape sees it: its arrival and pending recipients' domains."""

    queue: str
    arrival: float
    sender: str
    recipient_domains: tuple[str, ...]


@dataclass(frozen=True)
class QueueSnapshot:
    """Every queued message at `time` (taken at the times the caller asked for)."""

    time: float
    messages: tuple[QueuedMessage, ...]
