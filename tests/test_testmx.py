"""The test MX answers as its scenario says, over real SMTP on loopback."""

from __future__ import annotations

import json
import queue
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from postdove.simulator import testmx

LATER_START = 3.0  # seconds before later.test listens: far beyond start-up on a loaded CI host


class Events:
    """testmx's JSON lines, read as they come (a thread: a blocking read has no deadline)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout
        for line in process.stdout:
            self.lines.put(json.loads(line))

    def wait_listening(self, *ports: int, deadline: float = 30.0) -> None:
        """Return once each port has a listener, instead of guessing how long start-up takes."""
        waiting = set(ports) - {e["port"] for e in self.seen if e["event"] == "listen"}
        until = time.monotonic() + deadline
        while waiting:
            event = self.lines.get(timeout=max(0.0, until - time.monotonic()))
            self.seen.append(event)
            if event["event"] == "listen":
                waiting.discard(event["port"])

    def all(self) -> list[dict[str, Any]]:
        """Every event, once the process has ended and its output is read."""
        self.reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mx(tmp_path: Path):
    ports = {name: free_port() for name in ("accept", "defer", "bounce", "greet", "closed", "later")}
    scenario = {
        "destinations": [
            {"name": "accept.test", "port": ports["accept"], "phases": [{"behaviour": "accept", "latency": 0.2}]},
            {"name": "defer.test", "port": ports["defer"], "phases": [{"behaviour": "defer"}]},
            {"name": "bounce.test", "port": ports["bounce"], "phases": [{"behaviour": "bounce"}]},
            {"name": "greet.test", "port": ports["greet"], "phases": [{"behaviour": "greet_421", "latency": 0.3}]},
            {"name": "closed.test", "port": ports["closed"], "phases": [{"behaviour": "refuse"}]},
            {
                "name": "later.test",
                "port": ports["later"],
                "phases": [{"behaviour": "refuse"}, {"start": LATER_START, "behaviour": "accept", "latency": 0}],
            },
        ]
    }
    path = tmp_path / "scenario.yml"
    path.write_text(yaml.safe_dump(scenario))
    process = subprocess.Popen([sys.executable, testmx.__file__, str(path)], stdout=subprocess.PIPE, text=True)
    events = Events(process)
    events.wait_listening(*(ports[name] for name in ("accept", "defer", "bounce", "greet")))
    yield ports, process, events
    process.terminate()
    process.wait(timeout=5)
    events.reader.join(timeout=10)
    process.stdout.close()


def send(port: int) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.ehlo("client.test")
        client.mail("a@client.test")
        code, text = client.rcpt("b@dest.test")
        if code != 250:
            return {"rcpt": (code, text)}
        return {"data": client.data(b"Subject: x\r\n\r\nhello\r\n")}


def test_each_behaviour_answers_as_written(mx):
    ports, _, _ = mx
    started = time.monotonic()
    assert send(ports["accept"])["data"][0] == 250
    assert time.monotonic() - started >= 0.2
    assert send(ports["defer"])["rcpt"][0] == 451
    assert send(ports["bounce"])["rcpt"][0] == 550
    with pytest.raises(smtplib.SMTPConnectError) as greeting:
        smtplib.SMTP("127.0.0.1", ports["greet"], timeout=5)
    assert greeting.value.smtp_code == 421
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", ports["closed"]), timeout=2)


def test_a_refusing_phase_gives_way_to_accepting(mx):
    ports, process, events = mx
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", ports["later"]), timeout=2)
    events.wait_listening(ports["later"])
    assert send(ports["later"])["data"][0] == 250
    process.terminate()
    process.wait(timeout=5)
    assert {"listen", "connect", "rcpt", "data"} <= {e["event"] for e in events.all()}
