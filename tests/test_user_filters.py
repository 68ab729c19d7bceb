"""The mail_users filters (plugins/filter/users.py)."""

from __future__ import annotations

import importlib.util

from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("users", PROJECT / "plugins/filter/users.py")
assert _spec and _spec.loader
users = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(users)

USERS = [
    {"name": "test", "password": "x"},
    {"name": "gone", "state": "absent"},
    {"name": "purged", "state": "absent", "remove_mail": True},
    {"name": "hello", "state": "present", "password": "y"},
]


def test_an_entry_without_state_is_present():
    assert users.present_user_names(USERS) == ["test", "hello"]
    assert [u["name"] for u in users.present_users(USERS)] == ["test", "hello"]


def test_absent_users_keep_their_mail_unless_asked():
    assert users.absent_users(USERS) == [
        {"name": "gone", "remove_mail": False},
        {"name": "purged", "remove_mail": True},
    ]
