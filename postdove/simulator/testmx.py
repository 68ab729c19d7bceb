"""testmx - a programmable SMTP server that behaves as a scenario file says, to drive a real Postfix.

DESCRIPTION
    Each scenario destination with a `port` gets a listener on 127.0.0.1:port
    whose behaviour follows the destination's phases, timed from --epoch
    (Unix seconds; default: start-up):
      accept     SMTP, DATA answered 250 after `latency` seconds
      defer      RCPT TO answered 451 4.2.0
      bounce     RCPT TO answered 550 5.1.1
      refuse     no listener at all: connect() gets "Connection refused"
      greet_421  "421 4.3.2 busy" after `latency` seconds, then close
      timeout    accept the connection and never greet
    Accept/defer/bounce sessions are aiosmtpd's SMTP protocol; one JSON line
    per event (connect, rcpt, data, close) goes to stdout for analysis.

    A destination's DATA answers leave at least --reply-spacing seconds apart
    (default 0.02), as replies from a real network do: twenty answered in the
    same millisecond reach qmgr as one batch, and on a loaded host qmgr then
    counts all their successes before it starts the next deliveries, so its
    window grows less (qmgr_queue_unthrottle grows it only while window < busy
    + initial concurrency; seen in CI: 8 of 40 deliveries one batch late).

    It runs where the Postfix under test runs, on Debian's python3-aiosmtpd
    and python3-yaml: it reads the scenario YAML itself and imports nothing
    else from postdove.

USAGE
    python3 testmx.py SCENARIO.yml [--epoch SECONDS] [--reply-spacing SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from typing import Any

import yaml
from aiosmtpd.smtp import SMTP, Envelope, Session

POLL = 0.05  # seconds between checks of the phase that decides whether a port listens
REPLY_SPACING = 0.02  # seconds between two DATA answers of one destination (DESCRIPTION)
_connections = itertools.count(1)


def emit(event: str, port: int, conn: int, **extra: Any) -> None:
    print(json.dumps({"t": round(time.time(), 6), "event": event, "port": port, "conn": conn, **extra}), flush=True)


class Destination:
    def __init__(self, spec: dict[str, Any], epoch: float, reply_spacing: float = REPLY_SPACING) -> None:
        self.name: str = spec["name"]
        self.port: int = int(spec["port"])
        self.phases = sorted(spec["phases"], key=lambda p: float(p.get("start", 0)))
        self.epoch = epoch
        self.reply_spacing = reply_spacing
        self.next_reply = 0.0  # loop time before which no DATA answer leaves

    async def reply_turn(self) -> None:
        """Wait until this destination's previous DATA answer is reply_spacing old."""
        now = asyncio.get_running_loop().time()
        turn = max(now, self.next_reply)
        self.next_reply = turn + self.reply_spacing
        await asyncio.sleep(turn - now)

    def phase(self) -> dict[str, Any]:
        now = time.time() - self.epoch
        current = self.phases[0]
        for phase in self.phases:
            if float(phase.get("start", 0)) <= now:
                current = phase
        return current


class Handler:
    """aiosmtpd handler: the RCPT and DATA answers of the current phase."""

    def __init__(self, destination: Destination, conn: int) -> None:
        self.destination = destination
        self.conn = conn

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        behaviour = self.destination.phase()["behaviour"]
        emit("rcpt", self.destination.port, self.conn, rcpt=address, behaviour=behaviour)
        if behaviour == "defer":
            return "451 4.2.0 try again later"
        if behaviour == "bounce":
            return "550 5.1.1 user unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(float(self.destination.phase().get("latency", 0.1)))
        await self.destination.reply_turn()
        emit("data", self.destination.port, self.conn, rcpts=len(envelope.rcpt_tos))
        return "250 2.0.0 Ok: queued"


class Greet421(asyncio.Protocol):
    def __init__(self, destination: Destination, latency: float, conn: int) -> None:
        self.destination, self.latency, self.conn = destination, latency, conn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        asyncio.get_running_loop().call_later(self.latency, self.refuse, transport)

    def refuse(self, transport: asyncio.BaseTransport) -> None:
        emit("greet_421", self.destination.port, self.conn)
        if not transport.is_closing():
            transport.write(b"421 4.3.2 busy\r\n")  # type: ignore[attr-defined]
            transport.close()


class Silent(asyncio.Protocol):
    """Accepts and never greets, so the client's helo timeout runs out."""


def factory(destination: Destination) -> Any:
    def make() -> asyncio.Protocol:
        conn = next(_connections)
        phase = destination.phase()
        emit("connect", destination.port, conn, behaviour=phase["behaviour"])
        if phase["behaviour"] == "greet_421":
            return Greet421(destination, float(phase.get("latency", 0)), conn)
        if phase["behaviour"] == "timeout":
            return Silent()
        return SMTP(Handler(destination, conn), hostname="testmx.invalid")

    return make


async def serve(destination: Destination) -> None:
    """Listen while the current phase is not `refuse`; close the socket while it is."""
    loop = asyncio.get_running_loop()
    server: asyncio.Server | None = None
    while True:
        listening = destination.phase()["behaviour"] != "refuse"
        if listening and server is None:
            server = await loop.create_server(factory(destination), "127.0.0.1", destination.port, reuse_address=True)
            emit("listen", destination.port, 0)
        elif not listening and server is not None:
            server.close()
            await server.wait_closed()
            server = None
            emit("closed", destination.port, 0)
        await asyncio.sleep(POLL)


async def main_async(scenario: dict[str, Any], epoch: float, reply_spacing: float = REPLY_SPACING) -> None:
    destinations = [Destination(d, epoch, reply_spacing) for d in scenario["destinations"] if d.get("port")]
    if not destinations:
        raise SystemExit("testmx: no destination in the scenario has a port")
    await asyncio.gather(*(serve(d) for d in destinations))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SMTP server that behaves as a postdove scenario says")
    parser.add_argument("scenario")
    parser.add_argument("--epoch", type=float, default=None, help="Unix time of the scenario's second 0")
    parser.add_argument(
        "--reply-spacing", type=float, default=REPLY_SPACING, help="least seconds between two DATA answers"
    )
    args = parser.parse_args(argv)
    with open(args.scenario) as handle:
        scenario = yaml.safe_load(handle)
    asyncio.run(main_async(scenario, args.epoch if args.epoch is not None else time.time(), args.reply_spacing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
