"""Test `started_and_enabled`: does `systemctl show` say this daemon runs and starts at boot?

The service module takes 0.3-0.5 s to find a daemon already started and
enabled (issue 13); the mail role reads every postdove daemon's unit once:

    systemctl show --property=Id --property=ActiveState --property=UnitFileState -- postfix.service ...

and a role skips its "started and enabled at boot" task when this test holds
and nothing was installed since the reading:

    when: (__postfix_install | default({})) is changed
          or __mail_daemon_states is not postdove.mailserver.started_and_enabled('postfix')

A daemon that was not `running` before the run and that its start task
started has the final configuration: its reload or restart handler skips.

Only "active" and "enabled" skip; any other state (activating, failed, static,
a unit systemd does not know, no reading at all) runs the task, which then
decides as always. Unit-tested in tests/test_skip_tests.py.
"""

from __future__ import annotations


def unit_properties(shown: str) -> dict[str, dict[str, str]]:
    """`systemctl show`'s output for several units: unit Id -> its properties."""
    units: dict[str, dict[str, str]] = {}
    for block in shown.split("\n\n"):
        properties = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if "Id" in properties:
            units[properties["Id"]] = properties
    return units


def started_and_enabled(reading: dict, daemon: str) -> bool:
    """True when the registered `systemctl show` result lists `daemon`.service active and enabled."""
    unit = unit_properties(reading.get("stdout", "")).get(f"{daemon}.service", {})
    return unit.get("ActiveState") == "active" and unit.get("UnitFileState") == "enabled"


def running(reading: dict, daemon: str) -> bool:
    """True when the reading lists `daemon`.service active: it ran before this run, on the configuration before it."""
    unit = unit_properties(reading.get("stdout", "")).get(f"{daemon}.service", {})
    return unit.get("ActiveState") == "active"


def stopped_and_disabled(reading: dict, unit_name: str) -> bool:
    """True when the reading lists the unit `unit_name` (e.g. postfix@-.service) inactive and disabled or unknown."""
    unit = unit_properties(reading.get("stdout", "")).get(unit_name)
    return unit is not None and unit.get("ActiveState") == "inactive" and unit.get("UnitFileState") in ("disabled", "")


class TestModule:
    def tests(self) -> dict[str, object]:
        return {
            "started_and_enabled": started_and_enabled,
            "running": running,
            "stopped_and_disabled": stopped_and_disabled,
        }
