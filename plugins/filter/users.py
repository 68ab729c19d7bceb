"""Filters for mail_users: the accounts to keep and the ones to remove (state: absent).

An entry without `state` is present. Jinja's own selectattr cannot test a key
that most entries leave out on every ansible-core the roles support, hence a
filter. Unit-tested in tests/test_user_filters.py.
"""

from __future__ import annotations


def present_user_names(users: list[dict]) -> list[str]:
    """Names of the accounts the inventory keeps."""
    return [user["name"] for user in users if user.get("state", "present") != "absent"]


def absent_users(users: list[dict]) -> list[dict]:
    """The accounts to remove, as {name, remove_mail} (the mail is kept unless remove_mail is true)."""
    return [
        {"name": user["name"], "remove_mail": bool(user.get("remove_mail", False))}
        for user in users
        if user.get("state", "present") == "absent"
    ]


def present_users(users: list[dict]) -> list[dict]:
    """The entries of the accounts the inventory keeps, as written."""
    return [user for user in users if user.get("state", "present") != "absent"]


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {
            "present_user_names": present_user_names,
            "present_users": present_users,
            "absent_users": absent_users,
        }
