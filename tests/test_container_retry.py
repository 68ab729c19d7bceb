"""testinfra's podman backend runs a command again only when podman could not start it."""

from __future__ import annotations

from types import SimpleNamespace

from testinfra.backend.podman import PodmanBackend

from postdove.testing import containers


def test_a_start_failure_is_retried_and_a_real_failure_is_not(monkeypatch):
    runc = "Error: OCI runtime error: runc: exec failed: unable to start container process"
    failed_start = SimpleNamespace(rc=255, stderr=runc)
    results = iter([failed_start, SimpleNamespace(rc=0, stderr=""), SimpleNamespace(rc=1, stderr="stat: no such file")])
    calls = []

    def scripted(self, command, *args, **kwargs):
        calls.append(command)
        return next(results)

    monkeypatch.setattr(PodmanBackend, "run", scripted)
    monkeypatch.setattr(containers.time, "sleep", lambda _: None)
    containers.retry_exec_start_failures()
    backend = PodmanBackend.__new__(PodmanBackend)
    assert PodmanBackend.run(backend, "stat x").rc == 0
    assert PodmanBackend.run(backend, "stat y").rc == 1  # a command that ran and failed is not run again
    assert calls == ["stat x", "stat x", "stat y"]
