"""engine - the queue manager as a discrete-event simulation (docs/simulator.md §1-§3, §8).

DESCRIPTION
    Messages arrive in `incoming`; qmgr admits one file per loop pass,
    alternating the incoming and deferred scans and preferring incoming when
    the active queue is full (§1.5); a deferred file is admitted at a deferred
    scan tick (every queue_run_delay) once time() >= mtime - 1 (§1.6). Each
    message's recipients are routed as main.cf says (routing.py, §3.2) and
    grouped per transport and nexthop into entries of at most the transport's
    recipient limit (§3.3), delivered by agents capped per transport by
    default_process_limit, within each nexthop's concurrency window (§3.6). A site failure throttles the window; a dead
    destination's waiting entries are deferred through `retry` and new ones
    go there directly until minimal_backoff_time revives it (§3.8). A finished
    message is removed, or deferred with the age-based cool-down, or expired
    with a non-delivery notice (§2).

    A wheel build compiles this module with mypyc (setup.py, §10): keep it fully
    typed; tools/check-wheel compares the compiled engine's log with this source's.

LIMITATIONS
    No preemption (exact while no message has 15 or more entries, §3.5); no
    rate delays or agent crashes yet; agents start without the 2-pending
    allocation delay; connection set-up takes no time unless it fails. A
    nexthop behaves as the scenario destination routed to it; local delivery
    always succeeds. Notices to a nexthop the scenario does not model count as
    delivered at once; all notices bypass the in_flow_delay tokens.
"""

from __future__ import annotations

import functools
import gc
import heapq
import itertools
import math
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum, IntEnum, StrEnum

from postdove.simulator import backoff
from postdove.simulator.events import (
    Admitted,
    ConnectFailed,
    DeferredByDomain,
    Delivered,
    Expired,
    MailEvent,
    Notice,
    NoticeSent,
    QueuedMessage,
    QueueSizes,
    QueueSnapshot,
    Removed,
    Status,
)
from postdove.simulator.params import QmgrParams
from postdove.simulator.routing import Route, Router
from postdove.simulator.scenario import Arrival, Destination, Phase, Scenario
from postdove.simulator.window import ConcurrencyWindow, Feedback

SITE_FAILURES = {"refuse", "timeout", "greet_421"}
CONNECT_FAILURES = {"refuse", "timeout"}
# local(8) into a Maildir: quick, and never refused (the scenario models remote sites).
LOCAL_DELIVERY = Destination(name="local", port=None, phases=[Phase(start=0, behaviour="accept", latency=0.01)])
DONT_WAIT, WAIT = True, False


class RecipientState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    BOUNCED = "bounced"
    EXPIRED = "expired"


class Scan(IntEnum):
    """qmgr's two queue scans, in the order qmgr_loop() numbers them (§1.5)."""

    INCOMING = 0
    DEFERRED = 1


# The scan order of a loop pass that starts with a given scan (enum calls cost in the hot loop).
SCAN_ORDER = {Scan.INCOMING: (Scan.INCOMING, Scan.DEFERRED), Scan.DEFERRED: (Scan.DEFERRED, Scan.INCOMING)}
OTHER_SCAN = {Scan.INCOMING: Scan.DEFERRED, Scan.DEFERRED: Scan.INCOMING}


class ScanMiss(Enum):
    """Why a scan gave no message: it reached its end, or its next file is not due yet (§1.6)."""

    END = "end"
    NOT_ELIGIBLE = "not eligible"


@dataclass(slots=True)
class Recipient:
    address: str
    destination: str  # the domain, as qshape groups by it
    status: RecipientState = RecipientState.PENDING
    reason: str = ""
    queue: str = ""  # qmgr's queue: transport and nexthop (and recipient when delivered one by one)


@dataclass(slots=True)
class Message:
    number: int  # the queue id as a number: sorts as the id does, and faster (the deferred scan sorts them)
    sender: str
    recipients: list[Recipient]
    arrival: float
    create_time: int
    mtime: int
    size: int = 1024
    warn_time: int = 0  # when a delay warning is due; 0 none, -1 sent (§2.4)
    active_time: float = 0.0
    refcount: int = 0
    deferred_now: bool = False
    bounced_now: list[Recipient] = field(default_factory=list)

    @property
    def qid(self) -> str:
        return queue_id(self.number)


def queue_id(number: int) -> str:
    """The queue id the mail log shows."""
    return f"{number:010X}"


@dataclass(slots=True)
class Entry:
    message: Message
    recipients: list[Recipient]


@dataclass(slots=True)
class DestinationQueue:
    name: str
    route: Route
    transport: str  # route.transport, read on every delivery
    outcomes: dict[str, tuple[str, Status, str]]  # per behaviour, shared by the queue's incarnations
    phases: tuple[tuple[float, str, float], ...]  # the destination's (start, behaviour, attempt seconds)
    recipient_limit: int
    window: ConcurrencyWindow
    todo: deque[Entry] = field(default_factory=deque)
    busy: int = 0
    dsn_status: str = ""  # the failure that made the nexthop dead, repeated by `retry` (§3.8)
    dsn_reason: str = ""


class FlowTokens:
    """The master's in_flow_delay pipe (§1.3): cleanup takes a token per message, qmgr puts them back."""

    def __init__(self, limit: int, in_flow_delay: int) -> None:
        self.limit = limit
        self.enabled = in_flow_delay > 0
        self.count = limit

    def take(self) -> bool:
        """One token for a new message; False means the message waits in_flow_delay."""
        if not self.enabled:
            return True
        if self.count <= 0:
            return False
        self.count -= 1
        return True

    def after_loop(self, fed_from_incoming: bool, incoming_idle: bool) -> None:
        """The producer at the end of each qmgr_loop() pass: one per import from incoming, or top up when idle."""
        if not self.enabled:
            return
        if self.count < self.limit:
            if fed_from_incoming:
                self.count += 1
            elif incoming_idle:
                self.count = self.limit
        else:
            self.count = self.limit


@dataclass
class Totals:
    arrived: int = 0
    delivered: int = 0
    bounced: int = 0
    expired: int = 0
    notices: int = 0
    attempts: int = 0
    # Packed doubles: ten million deliveries take 80 MB rather than 320 MB as a list of floats.
    latencies: array[float] = field(default_factory=lambda: array("d"))
    delivered_at: array[float] = field(default_factory=lambda: array("d"))  # beside latencies, with detail
    events: int = 0


class Simulation:
    """Run a scenario under the given parameters; observers receive the records of events.py."""

    def __init__(
        self,
        scenario: Scenario,
        params: QmgrParams,
        observe: Callable[[MailEvent | QueueSizes | QueueSnapshot | DeferredByDomain], None] | None = None,
        snapshot_times: tuple[float, ...] = (),
        mail_log: bool = True,
        detail: bool = False,
    ) -> None:
        self.scenario = scenario
        # Mail events are most of the cost of a large run; skip them when nobody reads them.
        self.mail_log = mail_log
        # Detail for plots: deferred recipients per domain (about 400 samples a run) and delivery times.
        self.detail = detail
        self.detail_interval = max(1.0, scenario.duration / 400)
        self.params = params
        self.observe = observe or (lambda _: None)
        # Queue sizes are sampled every second only for an observer.
        self.observing = observe is not None
        self.router = Router(dict(params.routing))
        self.behaviours = nexthop_behaviours(scenario, self.router)
        self.routes: dict[str, Route] = {}
        self._queue_names: dict[str, str] = {}  # recipient address -> its queue
        self._queue_setup: dict[
            str, tuple[Route, tuple[tuple[float, str, float], ...], int, int, dict[str, tuple[str, Status, str]]]
        ] = {}
        self.now = 0.0
        self.totals = Totals()
        self._events: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._qids = itertools.count(1)
        self.incoming: deque[Message] = deque()
        self.deferred: dict[int, Message] = {}  # by queue id number, as are active and the deferred scan
        self.active: dict[int, Message] = {}
        self._deferred_scan: deque[int] = deque()
        self._deferred_rescan = False
        self._first_scan = Scan.INCOMING
        self.queues: dict[str, DestinationQueue] = {}
        self._rr: deque[str] = deque()  # round robin over destination queues
        self.agents_busy: dict[str, int] = {}  # per transport, each capped by default_process_limit
        # Entries waiting in destination queues, per transport: drain() has work only where > 0.
        self.todo: dict[str, int] = {}
        self.todo_total = 0
        # Read on every pass and delivery: kept here as plain ints.
        self.active_limit = params.qmgr_message_active_limit
        self.process_limit = params.default_process_limit
        self.tokens = FlowTokens(params.default_process_limit, params.in_flow_delay)
        self.positive = Feedback.parse(params.default_destination_concurrency_positive_feedback)
        self.negative = Feedback.parse(params.default_destination_concurrency_negative_feedback)
        self.snapshot_times = snapshot_times

    # -- event plumbing ---------------------------------------------------------------------
    def at(self, time: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._events, (time, next(self._seq), action))

    def emit(self, event: MailEvent) -> None:
        self.observe(event)

    def arrivals(self) -> Iterator[tuple[float, str, list[Recipient]]]:
        """Every arrival in time order, made as it is needed (a million need not sit in the heap)."""

        def one_pattern(arrival: Arrival) -> Iterator[tuple[float, str, list[Recipient]]]:
            per, names, sender = arrival.recipients, arrival.destinations, arrival.sender
            # Recipient n is user(n % 1000) at destination n % len(names); the strings are made once.
            addresses = [[f"user{u}@{dest}" for u in range(1000)] for dest in names]
            first = 0  # recipient number of the message's first recipient
            for time in arrival.times():
                rcpts = []
                for n in range(first, first + per):
                    d = n % len(names)
                    rcpts.append(Recipient(addresses[d][n % 1000], names[d]))
                first += per
                yield time, sender, rcpts

        patterns = [one_pattern(a) for a in self.scenario.arrivals]
        if len(patterns) == 1:
            return patterns[0]
        return heapq.merge(*patterns, key=lambda item: item[0])

    def run(self, progress: Callable[[float], None] | None = None) -> Totals:
        # The next arrival waits beside the heap rather than in it (most events are arrivals), with
        # the sequence number it would have had there, so that ties are broken as before.
        arrivals = self.arrivals()
        arrival = next(arrivals, None)
        arrival_seq = next(self._seq)
        # qmgr starts at 0: a deferred scan now and every queue_run_delay (§1.4).
        self.at(0.0, self.deferred_tick)
        if self.observing:
            self.at(0.0, self.sample)
        if self.detail:
            self.at(0.0, self.sample_deferred)
        for time in self.snapshot_times:
            self.at(time, self.snapshot)
        events, duration, pop = self._events, self.scenario.duration, heapq.heappop
        # The model makes no reference cycles per message, and the collector's full passes would
        # walk a live heap that grows with the queue: a 10 M day ran a third slower with it on.
        collecting = gc.isenabled()
        gc.disable()
        try:
            while True:
                if arrival is not None and (
                    not events
                    or arrival[0] < events[0][0]
                    or (arrival[0] == events[0][0] and arrival_seq < events[0][1])
                ):
                    if arrival[0] > duration:
                        break
                    self.now = arrival[0]
                    self.cleanup(arrival[1], arrival[2])
                    arrival = next(arrivals, None)
                    arrival_seq = next(self._seq)
                elif events and events[0][0] <= duration:
                    self.now, _, action = pop(events)
                    action()
                else:
                    break
                self.totals.events += 1
                self.qmgr_run()
                if progress:
                    progress(self.now)
        finally:
            if collecting:
                gc.enable()
        self.now = duration
        return self.totals

    def sample(self) -> None:
        self.observe(QueueSizes(self.now, len(self.incoming), len(self.active), len(self.deferred)))
        self.at(math.floor(self.now) + 1, self.sample)

    def sample_deferred(self) -> None:
        counts: dict[str, int] = {}
        for message in self.deferred.values():
            for rcpt in message.recipients:
                if rcpt.status is RecipientState.PENDING:
                    counts[rcpt.destination] = counts.get(rcpt.destination, 0) + 1
        self.observe(DeferredByDomain(self.now, tuple(sorted(counts.items()))))
        self.at(self.now + self.detail_interval, self.sample_deferred)

    def snapshot(self) -> None:
        queued = []
        for name, messages in (
            ("incoming", self.incoming),
            ("active", self.active.values()),
            ("deferred", self.deferred.values()),
        ):
            for m in messages:
                domains = tuple(r.destination for r in m.recipients if r.status is RecipientState.PENDING)
                queued.append(QueuedMessage(name, m.arrival, m.sender, domains))
        self.observe(QueueSnapshot(self.now, tuple(queued)))

    def queued(self) -> int:
        return len(self.incoming) + len(self.active) + len(self.deferred)

    # -- arrivals and scans ---------------------------------------------------------------------
    def cleanup(self, sender: str, recipients: list[Recipient]) -> None:
        """A client hands cleanup a message: one flow token, or a wait of in_flow_delay without one (§1.3).

        XXX Each arrival waits on its own; a real SMTP session's next message waits behind it.
        """
        if self.tokens.take():
            self.arrive(sender, recipients)
        else:
            self.at(
                math.floor(self.now) + self.params.in_flow_delay, lambda: self.arrive_after_wait(sender, recipients)
            )

    def arrive_after_wait(self, sender: str, recipients: list[Recipient]) -> None:
        """A message that waited in_flow_delay for a token enters incoming (an event's action)."""
        self.arrive(sender, recipients)

    def arrive(self, sender: str, recipients: list[Recipient]) -> Message:
        number = next(self._qids)
        second = math.floor(self.now)
        message = Message(number, sender, recipients, self.now, second, second)
        for rcpt in recipients:
            rcpt.queue = self.queue_name(rcpt.address)
        # cleanup writes a WARN record only for a non-null sender (§1.2).
        if self.params.delay_warning_time > 0 and sender:
            message.warn_time = second + self.params.delay_warning_time
        self.incoming.append(message)
        self.totals.arrived += 1
        return message

    def deferred_tick(self) -> None:
        if self._deferred_scan:
            self._deferred_rescan = True
        else:
            self._deferred_scan = deque(sorted(self.deferred))
        self.at(math.floor(self.now) + self.params.queue_run_delay, self.deferred_tick)

    def _next_from(self, scan: Scan) -> Message | ScanMiss:
        """The next file of a scan, or why there is none."""
        second = math.floor(self.now)
        if scan is Scan.INCOMING:
            if not self.incoming:
                return ScanMiss.END
            if not backoff.is_eligible(second, self.incoming[0].mtime):
                return ScanMiss.NOT_ELIGIBLE
            return self.incoming.popleft()
        while self._deferred_scan:
            number = self._deferred_scan.popleft()
            message = self.deferred.get(number)
            if message is None:
                continue
            if not backoff.is_eligible(second, message.mtime):
                return ScanMiss.NOT_ELIGIBLE
            return self.deferred.pop(number)
        if self._deferred_rescan:
            self._deferred_rescan = False
            self._deferred_scan = deque(sorted(self.deferred))
        return ScanMiss.END

    def qmgr_run(self) -> None:
        """qmgr_loop() passes after an event, until one says to wait: start deliveries, then admit
        at most one file (§1.5)."""
        active, active_limit, tokens = self.active, self.active_limit, self.tokens
        while True:
            if self.todo_total:
                self.drain()
            if not self.incoming and not self._deferred_scan and not self._deferred_rescan:
                tokens.after_loop(fed_from_incoming=False, incoming_idle=True)
                return  # both scans are idle: nothing to admit
            result = WAIT
            fed_from_incoming = False
            last = self._first_scan
            for scan in SCAN_ORDER[last]:
                if len(active) >= active_limit:
                    break
                last = scan
                if scan is Scan.DEFERRED and not self._deferred_scan and not self._deferred_rescan:
                    continue  # what _next_from would say, without the call: no deferred scan under way
                found = self._next_from(scan)
                if found is ScanMiss.END:
                    continue
                result = DONT_WAIT
                if isinstance(found, Message):
                    self.admit(found)
                    fed_from_incoming = scan is Scan.INCOMING
                    break
            if len(active) < active_limit:
                self._first_scan = OTHER_SCAN[last]
            else:
                self._first_scan = Scan.INCOMING  # full: new mail first
            tokens.after_loop(fed_from_incoming, incoming_idle=not self.incoming)
            if result is WAIT:
                return

    # -- the active queue -------------------------------------------------------------------
    def admit(self, message: Message) -> None:
        message.active_time = self.now
        message.deferred_now = False
        message.bounced_now = []
        self.active[message.number] = message
        if self.mail_log:
            self.emit(Admitted(self.now, message.qid, message.sender, message.size, len(message.recipients)))
        entries: list[tuple[DestinationQueue, Entry]] = []
        recipients = message.recipients
        if len(recipients) == 1:  # most mail: one entry or none, without grouping
            if recipients[0].status is RecipientState.PENDING:
                entries.append((self.queue_for(recipients[0].queue), Entry(message, recipients)))
        else:
            pending: dict[str, list[Recipient]] = {}
            for rcpt in recipients:
                if rcpt.status is RecipientState.PENDING:
                    pending.setdefault(rcpt.queue, []).append(rcpt)
            for name, rcpts in pending.items():
                queue = self.queue_for(name)
                limit = queue.recipient_limit or len(rcpts)
                for i in range(0, len(rcpts), limit):
                    entries.append((queue, Entry(message, rcpts[i : i + limit])))
        message.refcount = len(entries)
        for queue, entry in entries:
            if queue.window.dead:
                self.suspend(entry, queue)  # resolved straight to `retry` (§3.2 step 7)
            else:
                queue.todo.append(entry)
                self.todo[queue.transport] = self.todo.get(queue.transport, 0) + 1
                self.todo_total += 1
        if not entries:
            self.active_done(message)

    def queue_name(self, address: str) -> str:
        """qmgr's queue for a recipient: `transport:nexthop`, per recipient when the limit is 1 (§3.3)."""
        name = self._queue_names.get(address)
        if name is None:
            route = self.router.route(address)
            if self.params.recipient_limit(route.transport) == 1:
                name = f"{route.transport}:{address.rpartition('@')[0]}@{route.nexthop}"
            else:
                name = f"{route.transport}:{route.nexthop}"
            self._queue_names[address] = name
            self.routes[name] = route
        return name

    def queue_for(self, name: str) -> DestinationQueue:
        queue = self.queues.get(name)
        if queue is None:
            # qmgr forgets an idle queue; what does not change (route, behaviour, limits) is kept.
            known = self._queue_setup.get(name)
            if known is None:
                route = self.routes[name]
                known = self._queue_setup[name] = (
                    route,
                    self.attempt_phases(self.behaviours.get(route, LOCAL_DELIVERY)),
                    self.params.recipient_limit(route.transport),
                    self.params.concurrency_limit(route.transport),
                    {},
                )
            route, phases, recipient_limit, concurrency_limit, outcomes = known
            window = ConcurrencyWindow(
                self.params.initial_destination_concurrency,
                concurrency_limit,
                self.positive,
                self.negative,
                self.params.default_destination_concurrency_failed_cohort_limit,
            )
            queue = self.queues[name] = DestinationQueue(
                name, route, route.transport, outcomes, phases, recipient_limit, window
            )
            self._rr.append(name)
        return queue

    def attempt_phases(self, destination: Destination) -> tuple[tuple[float, str, float], ...]:
        """A destination's phases as (start, behaviour, how long an attempt takes), read per delivery."""
        timeout = self.params.smtp_connect_timeout
        return tuple(
            (p.start, p.behaviour, timeout if p.behaviour == "timeout" else p.latency) for p in destination.phases
        )

    def drain(self) -> None:
        """Start deliveries while agents and windows allow, round robin over destinations (§3.4, §3.5)."""
        limit = self.process_limit
        agents, todo, rr, queues = self.agents_busy, self.todo, self._rr, self.queues
        while True:
            for transport, waiting in todo.items():
                if waiting and agents.get(transport, 0) < limit:
                    break
            else:
                return  # no transport has both work and a free agent
            for _ in range(len(rr)):
                name = rr[0]
                rr.rotate(-1)
                queue = queues[name]
                if queue.todo and queue.window.window > queue.busy and agents.get(queue.transport, 0) < limit:
                    todo[queue.transport] -= 1
                    self.todo_total -= 1
                    self.deliver(queue, queue.todo.popleft())
                    break
            else:
                return

    def deliver(self, queue: DestinationQueue, entry: Entry) -> None:
        now = self.now
        _, behaviour, duration = queue.phases[0]
        for start, later_behaviour, later_duration in queue.phases:
            if start <= now:  # the last phase begun is the one in force (Destination.phase_at)
                behaviour, duration = later_behaviour, later_duration
        queue.busy += 1
        transport = queue.transport
        self.agents_busy[transport] = self.agents_busy.get(transport, 0) + 1
        self.totals.attempts += 1
        handoff = self.now
        self.at(self.now + max(duration, 0.001), lambda: self.delivery_done(queue, entry, behaviour, handoff))

    def delivery_done(self, queue: DestinationQueue, entry: Entry, behaviour: str, handoff: float) -> None:
        message = entry.message
        route = queue.route
        found = queue.outcomes.get(behaviour)
        if found is None:
            found = queue.outcomes[behaviour] = outcome(behaviour, route)
        dsn, status, reason = found
        # A failed set-up ends the session: all its time is set-up (smtp_trouble.c); otherwise
        # set-up is taken as instant and the time is the transmission's.
        setup_done = self.now if behaviour in SITE_FAILURES else handoff
        if behaviour in CONNECT_FAILURES:
            if self.mail_log:
                self.emit(ConnectFailed(self.now, queue.transport, reason))
            shown_relay = "none"
        else:
            shown_relay = route.relay() if self.mail_log else ""
        for rcpt in entry.recipients:
            self.record(message, rcpt, queue.transport, shown_relay, dsn, status, reason, handoff, setup_done)
        if behaviour in SITE_FAILURES:
            was_alive = not queue.window.dead
            queue.window.throttle()
            if was_alive and queue.window.dead:
                queue.dsn_status, queue.dsn_reason = dsn, reason
                self.at(math.floor(self.now) + self.params.minimal_backoff_time, lambda: self.revive(queue))
                while queue.todo:
                    self.todo[queue.transport] -= 1
                    self.todo_total -= 1
                    self.suspend(queue.todo.popleft(), queue)
        else:
            queue.window.unthrottle(queue.busy)
        queue.busy -= 1
        self.agents_busy[queue.transport] -= 1
        self.entry_done(message)
        self.forget_if_idle(queue)

    def suspend(self, entry: Entry, queue: DestinationQueue) -> None:
        """The `retry` service defers an entry for a dead destination without connecting (L7)."""
        reason = f"delivery temporarily suspended: {queue.dsn_reason}"
        for rcpt in entry.recipients:
            self.record(
                entry.message, rcpt, "error", "none", queue.dsn_status, Status.DEFERRED, reason, self.now, self.now
            )
        self.entry_done(entry.message)

    def record(
        self,
        message: Message,
        rcpt: Recipient,
        agent: str,
        relay: str,
        dsn: str,
        status: Status,
        reason: str,
        handoff: float,
        setup_done: float,
    ) -> None:
        if status is Status.SENT:
            rcpt.status = RecipientState.SENT
            self.totals.delivered += 1
            self.totals.latencies.append(self.now - message.arrival)
            if self.detail:
                self.totals.delivered_at.append(self.now)
        elif status is Status.BOUNCED:
            rcpt.status = RecipientState.BOUNCED
            message.bounced_now.append(rcpt)
            self.totals.bounced += 1
        else:
            message.deferred_now = True
        rcpt.reason = reason
        if self.mail_log:
            self.emit(
                Delivered(
                    self.now,
                    message.qid,
                    agent,
                    rcpt.address,
                    relay,
                    message.arrival,
                    message.active_time,
                    handoff,
                    setup_done,
                    dsn,
                    status,
                    reason,
                )
            )

    def revive(self, queue: DestinationQueue) -> None:
        queue.window.unthrottle(queue.busy)
        self.forget_if_idle(queue)

    def forget_if_idle(self, queue: DestinationQueue) -> None:
        """qmgr_queue_done: an empty, live queue is freed and its window forgotten."""
        if not queue.todo and queue.busy == 0 and not queue.window.dead and queue.name in self.queues:
            del self.queues[queue.name]
            self._rr.remove(queue.name)

    def entry_done(self, message: Message) -> None:
        message.refcount -= 1
        if message.refcount == 0:
            self.active_done(message)

    def active_done(self, message: Message) -> None:
        """qmgr_active_done: bounce notice, then expiry or deferral, else removal (§1.8, §2)."""
        del self.active[message.number]
        if message.bounced_now:
            self.notice(message, Notice.NON_DELIVERY)
        if message.deferred_now:
            second = math.floor(self.now)
            if backoff.is_expired(self.params, second, message.create_time, null_sender=not message.sender):
                self.emit(Expired(self.now, message.qid, message.sender))
                for rcpt in message.recipients:
                    if rcpt.status is RecipientState.PENDING:
                        rcpt.status = RecipientState.EXPIRED
                        self.totals.expired += 1
                self.notice(message, Notice.NON_DELIVERY)
            else:
                if message.warn_time > 0 and second >= message.warn_time - 1:
                    self.notice(message, Notice.DELAY)
                    message.warn_time = -1
                message.mtime = second + backoff.cooldown(self.params, second, message.create_time)
                self.deferred[message.number] = message
                return
        if self.mail_log:
            self.emit(Removed(self.now, message.qid))

    def notice(self, message: Message, kind: Notice) -> None:
        """A notice to the sender is a new message with a null sender; none for a null sender (§2.5)."""
        if not message.sender:
            return
        domain = message.sender.rpartition("@")[2]
        self.totals.notices += 1
        route = self.router.route(message.sender)
        if route in self.behaviours or not route.remote:
            notice = self.arrive("", [Recipient(message.sender, domain)])
            self.totals.arrived -= 1
            self.emit(NoticeSent(self.now, message.qid, kind, notice.qid))
        else:
            self.emit(NoticeSent(self.now, message.qid, kind, queue_id(next(self._qids))))


def nexthop_behaviours(scenario: Scenario, router: Router) -> dict[Route, Destination]:
    """Each scenario destination's behaviour, at the nexthop its domain is routed to."""
    behaviours: dict[Route, Destination] = {}
    for destination in scenario.destinations:
        route = router.route(f"postmaster@{destination.name}")
        if not route.remote and any(phase.behaviour != "accept" for phase in destination.phases):
            raise ValueError(
                f"destination {destination.name!r} is delivered on the host ({route.transport}, main.cf "
                "mydestination or transport_maps), which the simulator has always accept; "
                "give it only accept phases, or route it to smtp"
            )
        other = behaviours.setdefault(route, destination)
        if other.phases != destination.phases:
            raise ValueError(
                f"destinations {other.name!r} and {destination.name!r} are both routed to "
                f"{route.transport}:{route.nexthop} (main.cf) but behave differently; give them the same phases"
            )
    return behaviours


@functools.cache
def outcome(behaviour: str, route: Route) -> tuple[str, Status, str]:
    """The (dsn, status, reply) the delivery agent reports for a nexthop's behaviour."""
    if not route.remote:
        return "2.0.0", Status.SENT, "delivered to maildir"
    said = f"host {route.host()} said:"
    connect = f"connect to {route.relay()}:"
    return {
        "accept": ("2.0.0", Status.SENT, "250 2.0.0 Ok: queued"),
        "defer": ("4.2.0", Status.DEFERRED, f"{said} 451 4.2.0 try again later (in reply to RCPT TO command)"),
        "bounce": ("5.1.1", Status.BOUNCED, f"{said} 550 5.1.1 user unknown (in reply to RCPT TO command)"),
        "refuse": ("4.4.1", Status.DEFERRED, f"{connect} Connection refused"),
        "timeout": ("4.4.1", Status.DEFERRED, f"{connect} Connection timed out"),
        "greet_421": ("4.3.2", Status.DEFERRED, f"host {route.host()} refused to talk to me: 421 4.3.2 busy"),
    }[behaviour]
