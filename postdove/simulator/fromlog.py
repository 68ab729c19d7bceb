"""fromlog - a scenario made from a real Postfix mail log, to replay it or ask what-if (docs/simulator.md §9).

DESCRIPTION
    Each message the log shows arriving (from a non-null sender; notices are
    the simulator's own to make) becomes an arrival at the time of its first
    line, with its sender and its recipients' domains. Each recipient domain
    becomes a destination whose behaviour over time is what the delivery
    agents saw: a phase starts wherever the outcome changes (sent: accept,
    with the transmission time as latency; a 4xx reply: defer; a 5xx: bounce;
    refused or timed-out connections; a 421 greeting, with its set-up time).
    Times are seconds from the first arrival; `clock` keeps its time of day.

LIMITATIONS
    One outcome per domain at a time: a domain that bounces some recipients
    and accepts others flips between phases. Syslog stamps have one-second
    resolution. Lines of other hosts, or of messages whose arrival the log
    does not show, are used only as observations of the destinations.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from postdove.simulator.logparse import DELIVERY, postfix_lines
from postdove.simulator.scenario import Scenario, clock_seconds, parse

# Lines that show a message arriving: smtpd's client=, pickup's uid=/from=, cleanup's message-id=.
ARRIVAL_PROCESSES = {"smtpd", "pickup", "cleanup"}
QID_TEXT = re.compile(r"^([0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}): (.*)$")
SENDER = re.compile(r"from=<([^>]*)>")
REMOTE_AGENTS = {"smtp", "lmtp", "relay"}


@dataclass
class MessageSeen:
    first_seen: float
    arrived_here: bool  # the log shows its arrival (not only a retry from the deferred queue)
    sender: str | None = None
    recipients: dict[str, None] = field(default_factory=dict)  # in order, without repeats


@dataclass(frozen=True)
class Outcome:
    time: float
    behaviour: str
    latency: float


def classify(process: str, status: str, reason: str, setup: float, transmission: float) -> tuple[str, float] | None:
    """What one result line says about the destination (behaviour, latency), or None (suspended, local failures)."""
    if process not in REMOTE_AGENTS:
        return ("accept", transmission) if status == "sent" else None
    if status == "sent":
        return ("accept", transmission)
    if status == "bounced":
        return ("bounce", transmission)
    if "Connection refused" in reason:
        return ("refuse", setup)
    if "Connection timed out" in reason:
        return ("timeout", setup)
    if "refused to talk to me" in reason:
        return ("greet_421", setup)
    if " said: 4" in reason:
        return ("defer", transmission)
    return None


def scenario_from_log(lines: Iterable[str], duration_margin: float = 1.0) -> Scenario:
    messages: dict[str, MessageSeen] = {}
    outcomes: dict[str, list[Outcome]] = {}
    origin_stamp: float | None = None
    first_clock = ""
    last = 0.0
    for line in postfix_lines(lines):
        agent, text = line.process, line.text
        qid_match = QID_TEXT.match(text)
        if not qid_match:
            continue
        if origin_stamp is None:
            origin_stamp, first_clock = line.seconds, line.clock
        now = line.seconds - origin_stamp
        last = max(last, now)
        qid, rest = qid_match.groups()
        seen = messages.get(qid)
        if seen is None:
            seen = messages[qid] = MessageSeen(now, agent in ARRIVAL_PROCESSES)
        if agent == "qmgr" and (sender := SENDER.search(rest)) and seen.sender is None:
            seen.sender = sender.group(1)
        if delivery := DELIVERY.match(text):
            _, recipient, _, _, _, c, d, _, status, reason = delivery.groups()
            seen.recipients.setdefault(recipient.lower(), None)
            seen_here = classify(agent, status, reason, float(c), float(d))
            if seen_here is not None:
                domain = recipient.rpartition("@")[2].lower()
                outcomes.setdefault(domain, []).append(Outcome(now, *seen_here))
    if origin_stamp is None:
        raise ValueError("the log has no Postfix lines with a queue ID")
    return build(messages, outcomes, last + duration_margin, first_clock)


def build(
    messages: dict[str, MessageSeen], outcomes: dict[str, list[Outcome]], duration: float, clock: str
) -> Scenario:
    groups: dict[tuple[str, tuple[str, ...]], list[float]] = {}
    # A log without arrival lines (the simulator's own) shows each message from its first qmgr line.
    shows_arrivals = any(seen.arrived_here for seen in messages.values())
    for seen in messages.values():
        # Notices (null sender) are the simulator's to make; a message seen only on retry arrived before the log.
        if not seen.sender or not seen.recipients or (shows_arrivals and not seen.arrived_here):
            continue
        domains = tuple(address.rpartition("@")[2] for address in seen.recipients)
        groups.setdefault((seen.sender, domains), []).append(seen.first_seen)
    if not groups:
        raise ValueError("the log shows no message arriving and being delivered (from a non-null sender)")
    origin = min(min(times) for times in groups.values())
    arrivals = [
        {
            "kind": "at",
            "at": [time - origin for time in sorted(times)],
            "recipients": len(domains),
            "destinations": list(domains),
            "sender": sender,
        }
        for (sender, domains), times in sorted(groups.items(), key=lambda group: min(group[1]))
    ]
    named = {domain for _, domains in groups for domain in domains}
    destinations = [{"name": name, "phases": phases(outcomes.get(name, []), origin)} for name in sorted(named)]
    return parse(
        {
            "duration": max(duration - origin, 1.0),
            "clock": shift_clock(clock, origin),
            "arrivals": arrivals,
            "destinations": destinations,
        },
        "the log",
    )


def phases(observed: list[Outcome], origin: float) -> list[dict[str, object]]:
    """Runs of one behaviour, each a phase from its first observation; latency the run's median."""
    runs: list[list[Outcome]] = []
    for outcome in sorted(observed, key=lambda o: o.time):
        if runs and runs[-1][0].behaviour == outcome.behaviour:
            runs[-1].append(outcome)
        else:
            runs.append([outcome])
    if not runs:
        return [{"start": 0, "behaviour": "accept", "latency": 0.1}]
    result = []
    for i, run in enumerate(runs):
        start = 0.0 if i == 0 else max(run[0].time - origin, 0.0)
        latency = round(statistics.median(o.latency for o in run), 3)
        if result and start <= result[-1]["start"]:
            result[-1] = {"start": result[-1]["start"], "behaviour": run[0].behaviour, "latency": latency}
        else:
            result.append({"start": start, "behaviour": run[0].behaviour, "latency": latency})
    return result


def shift_clock(clock: str, seconds: float) -> str:
    total = int(clock_seconds(clock) + seconds) % 86400
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}"
