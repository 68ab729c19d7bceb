"""The test plugins that let a re-run skip work already done (plugins/test/)."""

from __future__ import annotations

import hashlib
import importlib.util

import pytest

from postdove.testing.project import PROJECT


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, PROJECT / f"plugins/test/{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


files = _load("files")
packages = _load("packages")
units = _load("units")

CONTENT = "myhostname = server.hello.com\n"


def _found(**changes: str) -> dict:
    entry = {
        "path": "/etc/postfix/main.cf",
        "checksum": hashlib.sha1(CONTENT.encode()).hexdigest(),  # as find reports it
        "pw_name": "root",
        "gr_name": "root",
        "mode": "0644",
    }
    return {"files": [entry | changes]}


def test_a_file_as_the_task_would_write_it_is_in_place() -> None:
    assert files.in_place(CONTENT, _found(), "/etc/postfix/main.cf")


@pytest.mark.parametrize(
    "changes",
    [
        {"checksum": "0" * 40},
        {"pw_name": "postfix"},
        {"gr_name": "postdrop"},
        {"mode": "0600"},
        {"path": "/etc/postfix/master.cf"},
    ],
    ids=["content", "owner", "group", "mode", "another file"],
)
def test_any_difference_or_a_missing_file_runs_the_task(changes: dict) -> None:
    assert not files.in_place(CONTENT, _found(**changes), "/etc/postfix/main.cf")


def test_owner_group_and_mode_are_those_asked_for() -> None:
    found = _found(mode="0600", gr_name="dovecot")
    assert files.in_place(CONTENT, found, "/etc/postfix/main.cf", group="dovecot", mode="0600")


def test_no_find_result_runs_the_task() -> None:
    assert not files.in_place(CONTENT, {}, "/etc/postfix/main.cf")


def test_owned_checks_owner_group_and_mode_only() -> None:
    key = {"path": "/etc/ssl/private/k", "checksum": "x", "pw_name": "root", "gr_name": "root", "mode": "0600"}
    found = {"files": [key]}
    assert files.owned(found, "/etc/ssl/private/k", mode="0600")
    assert not files.owned(found, "/etc/ssl/private/k", mode="0644")
    assert not files.owned(found, "/etc/ssl/private/other", mode="0600")
    assert not files.owned({"skipped": True}, "/etc/ssl/private/k", mode="0600")


def test_listed_says_whether_the_reading_found_the_path() -> None:
    found = {"files": [{"path": "/etc/systemd/system/opendkim-ed25519.service", "checksum": "x"}]}
    assert files.listed(found, "/etc/systemd/system/opendkim-ed25519.service")
    assert not files.listed(found, "/etc/systemd/system/other.service")
    assert not files.listed({"skipped": True}, "/etc/systemd/system/opendkim-ed25519.service")


def test_up_to_date_holds_for_a_database_built_since_its_source_changed() -> None:
    def reading(**mtimes: float) -> dict:
        return {"files": [{"path": f"/etc/{name.replace('_', '.')}", "mtime": mtime} for name, mtime in mtimes.items()]}

    assert files.up_to_date(reading(aliases=10.0, aliases_db=10.5), "/etc/aliases.db", "/etc/aliases")
    assert files.up_to_date(reading(aliases=10.0, aliases_db=10.0), "/etc/aliases.db", "/etc/aliases")
    # Older (the source rewritten, the build never ran), missing, or nothing read: build it.
    assert not files.up_to_date(reading(aliases=10.0, aliases_db=9.0), "/etc/aliases.db", "/etc/aliases")
    assert not files.up_to_date(reading(aliases=10.0), "/etc/aliases.db", "/etc/aliases")
    assert not files.up_to_date({}, "/etc/aliases.db", "/etc/aliases")


def test_packages_all_listed_are_installed() -> None:
    listed = ["postfix", "bsd-mailx"]
    assert packages.installed(["postfix", "bsd-mailx"], listed)
    assert packages.installed([], listed)


def test_one_missing_package_or_no_list_runs_the_install() -> None:
    assert not packages.installed(["postfix", "procmail"], ["postfix"])
    assert not packages.installed(["postfix"], [])


SHOWN = """Id=postfix.service
ActiveState=active
UnitFileState=enabled

Id=dovecot.service
ActiveState=failed
UnitFileState=enabled

Id=rspamd.service
ActiveState=active
UnitFileState=disabled

Id=opendkim.service
ActiveState=inactive
UnitFileState=
"""


def test_a_daemon_active_and_enabled_skips_its_start() -> None:
    assert units.started_and_enabled({"stdout": SHOWN}, "postfix")


def test_any_other_state_or_no_reading_runs_the_start() -> None:
    assert not units.started_and_enabled({"stdout": SHOWN}, "dovecot")  # failed
    assert not units.started_and_enabled({"stdout": SHOWN}, "rspamd")  # not enabled
    assert not units.started_and_enabled({"stdout": SHOWN}, "opendkim")  # not installed
    assert not units.started_and_enabled({"stdout": SHOWN}, "firewalld")  # not read
    assert not units.started_and_enabled({"skipped": True}, "postfix")


def test_running_holds_for_an_active_daemon_whatever_its_boot_state() -> None:
    assert units.running({"stdout": SHOWN}, "postfix")
    assert units.running({"stdout": SHOWN}, "rspamd")  # active, not enabled
    assert not units.running({"stdout": SHOWN}, "dovecot")  # failed
    assert not units.running({"stdout": SHOWN}, "opendkim")  # not installed
    assert not units.running({"skipped": True}, "postfix")


def test_stopped_and_disabled_holds_only_for_an_inactive_unit_that_does_not_start_at_boot() -> None:
    shown = (
        "Id=postfix@-.service\nActiveState=inactive\nUnitFileState=disabled\n\n"
        "Id=old@-.service\nActiveState=failed\nUnitFileState=disabled\n\n"
        "Id=gone.service\nActiveState=inactive\nUnitFileState=\n\n"
        "Id=boot.service\nActiveState=inactive\nUnitFileState=enabled\n"
    )
    assert units.stopped_and_disabled({"stdout": shown}, "postfix@-.service")
    assert units.stopped_and_disabled({"stdout": shown}, "gone.service")  # no unit file
    assert not units.stopped_and_disabled({"stdout": shown}, "old@-.service")  # failed: reset it
    assert not units.stopped_and_disabled({"stdout": shown}, "boot.service")  # would start at boot
    assert not units.stopped_and_disabled({"stdout": shown}, "unread.service")
    assert not units.stopped_and_disabled({"skipped": True}, "postfix@-.service")
