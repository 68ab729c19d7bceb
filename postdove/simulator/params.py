"""params - the queue manager's parameters, with the defaults of Postfix 2.10 and 3.7.

DESCRIPTION
    QmgrParams holds every main.cf parameter the model uses, in seconds or
    counts, and the routing parameters as given (routing.py reads them).
    defaults(version) gives Postfix's built-in values (docs/simulator.md §5.1);
    from_maincf() reads `name = value` lines (main.cf or `postconf -n`
    output) over those defaults, converting Postfix's time units.

DIAGNOSTICS
    ValueError naming the parameter for a value Postfix itself would refuse.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from postdove.simulator.routing import ROUTING_PARAMETERS

# Postfix time units (s, m, h, d, w) in seconds.
TIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SUPPORTED_VERSIONS = ("2.10", "3.7")


@dataclass(frozen=True)
class QmgrParams:
    """qmgr's parameters; times in integer seconds. Field names are the main.cf names."""

    version: str = "3.7"
    queue_run_delay: int = 300
    minimal_backoff_time: int = 300
    maximal_backoff_time: int = 4000
    maximal_queue_lifetime: int = 5 * 86400
    bounce_queue_lifetime: int = 5 * 86400
    delay_warning_time: int = 0
    qmgr_message_active_limit: int = 20000
    qmgr_message_recipient_limit: int = 20000
    in_flow_delay: int = 1
    default_process_limit: int = 100
    initial_destination_concurrency: int = 5
    default_destination_concurrency_limit: int = 20
    local_destination_concurrency_limit: int = 2
    default_destination_concurrency_positive_feedback: str = "1"
    default_destination_concurrency_negative_feedback: str = "1"
    default_destination_concurrency_failed_cohort_limit: int = 1
    default_destination_recipient_limit: int = 50
    local_destination_recipient_limit: int = 1
    default_destination_rate_delay: int = 0
    transport_retry_time: int = 60
    smtp_connect_timeout: int = 30
    smtp_helo_timeout: int = 300
    # main.cf's routing parameters (routing.ROUTING_PARAMETERS) as given; Postfix's defaults otherwise.
    routing: tuple[tuple[str, str], ...] = ()

    def concurrency_limit(self, transport: str) -> int:
        if transport == "local":
            return self.local_destination_concurrency_limit
        return self.default_destination_concurrency_limit

    def recipient_limit(self, transport: str) -> int:
        """Recipients per delivery; 1 makes qmgr keep a queue per recipient (§3.3)."""
        if transport == "local":
            return self.local_destination_recipient_limit
        return self.default_destination_recipient_limit

    @property
    def effective_bounce_queue_lifetime(self) -> int:
        """qmgr caps bounce_queue_lifetime at maximal_queue_lifetime (qmgr_post_init)."""
        return min(self.bounce_queue_lifetime, self.maximal_queue_lifetime)


# Parameters whose default unit is not seconds (docs/simulator.md §5.1: lifetimes in days, warnings in hours).
DEFAULT_UNITS = {"maximal_queue_lifetime": "d", "bounce_queue_lifetime": "d", "delay_warning_time": "h"}
TIME_PARAMETERS = {
    "queue_run_delay",
    "minimal_backoff_time",
    "maximal_backoff_time",
    "maximal_queue_lifetime",
    "bounce_queue_lifetime",
    "delay_warning_time",
    "in_flow_delay",
    "default_destination_rate_delay",
    "transport_retry_time",
    "smtp_connect_timeout",
    "smtp_helo_timeout",
}
FEEDBACK = re.compile(r"^\s*(\d+(\.\d+)?)(\s*/\s*(\d+(\.\d+)?|concurrency))?\s*$")


def defaults(version: str = "3.7") -> QmgrParams:
    """Postfix's built-in defaults; the qmgr-relevant ones are the same in 2.10.1 and 3.7.11 (§5.1)."""
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"version {version!r} is not one of {', '.join(SUPPORTED_VERSIONS)}")
    return QmgrParams(version=version)


def parse_time(name: str, value: str) -> int:
    """A Postfix time value ("300s", "5d", "1h", or a bare number in the parameter's default unit)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", value)
    if not match:
        raise ValueError(f"{name} = {value!r} is not a Postfix time (a number with an optional s/m/h/d/w unit)")
    unit = match.group(2) or DEFAULT_UNITS.get(name, "s")
    return int(match.group(1)) * TIME_UNITS[unit]


def check_feedback(name: str, value: str) -> str:
    """A concurrency feedback value: x, x/y or x/concurrency (docs/simulator.md §3.6)."""
    if not FEEDBACK.match(value):
        raise ValueError(f"{name} = {value!r} is not a feedback value such as 1, 1/4 or 1/concurrency")
    return value.strip()


def from_maincf(text: str, version: str = "3.7") -> QmgrParams:
    """Read `name = value` lines (main.cf or `postconf -n`) over the defaults; other parameters are ignored.

    Postfix's continuation lines (leading white space) and comments are handled;
    $name expansion is not (qmgr timers are numbers in practice).
    """
    values: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and current:
            values[current] += " " + line.strip()
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"main.cf line {line!r} has no '='")
        current = name.strip()
        values[current] = value.strip()

    fields = {f.name: f for f in dataclasses.fields(QmgrParams)}
    changes: dict[str, Any] = {}  # values of several types, checked above
    routing = tuple((name, value) for name, value in values.items() if name in ROUTING_PARAMETERS)
    if routing:
        changes["routing"] = routing
    for name, value in values.items():
        if name not in fields or name in {"version", "routing"}:
            continue
        if name in TIME_PARAMETERS:
            changes[name] = parse_time(name, value)
        elif fields[name].type == "str":
            changes[name] = check_feedback(name, value)
        else:
            if not value.isdigit():
                raise ValueError(f"{name} = {value!r} is not a whole number")
            changes[name] = int(value)
    return dataclasses.replace(defaults(version), **changes)
