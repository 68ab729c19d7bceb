"""Filters for mail_virtual_domains: users who are not Unix accounts, one mailbox each under vmail.

mail_virtual_domains maps a domain to {users: [{address, password | password_hash}]}.
Postfix's maps and Dovecot's passwd-file are made from these; the checks run
before any change. Unit-tested in tests/test_virtual_mailbox_filters.py.
"""

from __future__ import annotations

import re
from typing import Any

_ADDRESS = re.compile(r"^[^@\s:]+@[^@\s:]+\.[^@\s:]+$")  # ':' would split a passwd-file line
_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


def _users(settings: Any) -> list[Any]:
    users = settings.get("users", []) if isinstance(settings, dict) else None
    return users if isinstance(users, list) else []


def virtual_mailbox_users(domains: dict[str, Any]) -> list[dict[str, Any]]:
    """The user entries with their address in lower case, for the passwd-file."""
    return [
        {**user, "address": str(user["address"]).lower()} for settings in domains.values() for user in _users(settings)
    ]


def virtual_mailbox_addresses(domains: dict[str, Any]) -> list[str]:
    """Every virtual user's address, lower case, in inventory order (no passwords: safe to loop over)."""
    return [user["address"] for user in virtual_mailbox_users(domains)]


def virtual_mailbox_problems(
    domains: dict[str, Any], own_domains: list[str], alias_domains: list[str], other_addresses: list[str]
) -> list[str]:
    """What is wrong with mail_virtual_domains, each naming the entry and the fix.

    own_domains: the domains delivered to system users (mail_domain, mail_hostname, ...);
    alias_domains: mail_virtual_aliases' domains; other_addresses: addresses defined elsewhere
    (virtual aliases, relocated), which a virtual user may not also be.
    """
    problems: list[str] = []
    seen: set[str] = set()
    taken = {address.lower() for address in other_addresses}
    for domain, settings in domains.items():
        where = f"mail_virtual_domains.{domain}"
        if not _DOMAIN.match(str(domain)):
            problems.append(f"{where}: '{domain}' is not a domain name (lower-case labels joined by dots)")
        if domain in own_domains:
            problems.append(
                f"{where}: {domain} is delivered to system users already (mail_domain, mail_hostname); "
                "use mail_users for it, or another domain"
            )
        if domain in alias_domains:
            problems.append(
                f"{where}: {domain} is also a virtual alias domain (mail_virtual_aliases); a domain is one or "
                "the other: give its forwarding addresses as mail_virtual_aliases of other domains, or make "
                "them virtual users"
            )
        if not isinstance(settings, dict) or not isinstance(settings.get("users"), list) or not settings["users"]:
            problems.append(f"{where}: give users: [{{address: user@{domain}, password: ...}}]")
            continue
        for number, user in enumerate(settings["users"], 1):
            if not isinstance(user, dict) or "address" not in user:
                problems.append(f"{where}.users[{number}]: each user needs an address, e.g. user@{domain}")
                continue
            address = str(user["address"]).lower()
            if not _ADDRESS.match(address):
                problems.append(f"{where}: '{user['address']}' is not an address such as alice@{domain}")
            elif address.rpartition("@")[2] != domain:
                problems.append(f"{where}: '{user['address']}' is outside {domain}; list it under its own domain")
            if ("password" in user) == ("password_hash" in user):
                problems.append(f"{where}: user '{address}' needs exactly one of 'password' or 'password_hash'")
            if address in seen or address in taken:
                problems.append(
                    f"{where}: '{address}' is defined twice (as a virtual user, a virtual alias or a relocated "
                    "address); keep one of them"
                )
            seen.add(address)
    return problems


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {
            "virtual_mailbox_addresses": virtual_mailbox_addresses,
            "virtual_mailbox_users": virtual_mailbox_users,
            "virtual_mailbox_problems": virtual_mailbox_problems,
        }
