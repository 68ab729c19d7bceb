"""Commands on this machine, and lab containers' addresses."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


def sh(*args: str) -> str:
    """Run a command here; its standard output (a failure raises CalledProcessError)."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def container_address(name: str) -> str:
    """The container's address on its podman network, for tools that run on the controller."""
    return sh("podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).strip()


# runc's words when `podman exec` fails before the command starts (seen now and then with
# podman 5 and runc on a busy 2-core host): the command never ran, so running it again is safe.
EXEC_START_FAILURE = "unable to start container process"


def until_started(run: Callable[[], Result], unstarted: Callable[[Result], bool], attempts: int = 3) -> Result:
    """run() again, up to `attempts` times in all, while podman could not start the command (it never ran)."""
    for _ in range(attempts - 1):
        result = run()
        if not unstarted(result):
            return result
        time.sleep(0.5)
    return run()


def run_in_image(image: str, script: str, volumes: list[str]) -> subprocess.CompletedProcess[str]:
    """`podman run --rm` a shell script in a fresh container of the image."""
    return until_started(
        lambda: subprocess.run(
            ["podman", "run", "--rm", *volumes, image, "sh", "-c", script], capture_output=True, text=True
        ),
        lambda result: result.returncode in (125, 126, 127) and EXEC_START_FAILURE in result.stderr,
    )


def retry_exec_start_failures(attempts: int = 3) -> None:
    """Make testinfra's podman backend run a command again when podman could not start it."""
    from testinfra.backend.podman import PodmanBackend

    original = PodmanBackend.run
    if getattr(original, "retries_start_failures", False):
        return

    def run(self: PodmanBackend, command: str, *args: object, **kwargs: object) -> Any:
        return until_started(
            lambda: original(self, command, *args, **kwargs),
            lambda result: result.rc == 255 and EXEC_START_FAILURE in result.stderr,
            attempts,
        )

    run.retries_start_failures = True  # type: ignore[attr-defined]
    PodmanBackend.run = run  # type: ignore[method-assign]
