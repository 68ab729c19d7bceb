"""plugins/modules/unix_socket_listening.py, run by Ansible as the milter roles' handlers run it."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from postdove.testing.ansible import run_module_on_localhost


def _wait_for(path: Path, *options: str, timeout: int = 2) -> dict:
    """The module's result, from ansible on localhost with the project's ansible.cfg."""
    args = {"path": str(path), "timeout": timeout}
    return run_module_on_localhost("postdove.mailserver.unix_socket_listening", args, *options)


def _stale_socket(path: Path) -> None:
    """A socket file nobody listens on, as a stopped milter leaves it."""
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()


def test_it_waits_past_a_stale_socket_file_until_the_daemon_listens(tmp_path: Path) -> None:
    path = tmp_path / "milter.sock"
    _stale_socket(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

    def listen_later() -> None:
        path.unlink()
        listener.bind(str(path))
        listener.listen(1)

    # Later than Ansible takes to start the module (about 1-2 s).
    timer = threading.Timer(4.0, listen_later)
    timer.start()
    try:
        result = _wait_for(path, timeout=20)
    finally:
        timer.join()
        listener.close()
    assert not result.get("failed") and not result["changed"], result
    assert result["waited"] > 0


def test_a_socket_nobody_listens_on_fails_naming_its_path(tmp_path: Path) -> None:
    path = tmp_path / "milter.sock"
    _stale_socket(path)
    result = _wait_for(path)
    assert result["failed"]
    assert f"{path} accepted no connection in 2 s" in result["msg"]


def test_check_mode_waits_for_nothing(tmp_path: Path) -> None:
    result = _wait_for(tmp_path / "absent.sock", "--check")
    assert not result.get("failed") and result["waited"] == 0.0, result
