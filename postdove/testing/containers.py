"""Commands on this machine, and lab containers' addresses."""

from __future__ import annotations

import subprocess
import time


def sh(*args: str) -> str:
    """Run a command here; its standard output (a failure raises CalledProcessError)."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def container_address(name: str) -> str:
    """The container's address on its podman network, for tools that run on the controller."""
    return sh("podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).strip()


# runc's words when `podman exec` fails before the command starts (seen now and then with
# podman 5 and runc on a busy 2-core host): the command never ran, so running it again is safe.
EXEC_START_FAILURE = "unable to start container process"


def run_in_image(image: str, script: str, volumes: list[str], attempts: int = 3) -> subprocess.CompletedProcess[str]:
    """`podman run --rm` a shell script in a fresh container of the image; run again only when
    podman could not start it (the script never ran)."""
    for attempt in range(attempts):
        result = subprocess.run(
            ["podman", "run", "--rm", *volumes, image, "sh", "-c", script], capture_output=True, text=True
        )
        if not (result.returncode in (125, 126, 127) and EXEC_START_FAILURE in result.stderr):
            break
        if attempt < attempts - 1:
            time.sleep(0.5)
    return result


def retry_exec_start_failures(attempts: int = 3) -> None:
    """Make testinfra's podman backend run a command again when podman could not start it."""
    from testinfra.backend.podman import PodmanBackend

    original = PodmanBackend.run
    if getattr(original, "retries_start_failures", False):
        return

    def run(self: PodmanBackend, command: str, *args: object, **kwargs: object) -> object:
        for _ in range(attempts - 1):
            result = original(self, command, *args, **kwargs)
            if not (result.rc == 255 and EXEC_START_FAILURE in result.stderr):
                return result
            time.sleep(0.5)
        return original(self, command, *args, **kwargs)

    run.retries_start_failures = True  # type: ignore[attr-defined]
    PodmanBackend.run = run  # type: ignore[method-assign]
