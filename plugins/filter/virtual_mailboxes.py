"""Filters for mail_virtual_domains: users who are not Unix accounts, one mailbox each under vmail.

mail_virtual_domains maps a domain to {quota, users: [{address, password | password_hash,
quota, state, remove_mail}]}. Postfix's maps and Dovecot's passwd-file are made from the
present users; the checks run before any change. Unit-tested in
tests/test_virtual_mailbox_filters.py.
"""

from __future__ import annotations

import re
from typing import Any

_ADDRESS = re.compile(r"^[^@\s:]+@[^@\s:]+\.[^@\s:]+$")  # ':' would split a passwd-file line
# A storage size as Dovecot 2.2 to 2.4 all read it: bytes, or a number and K, M, G or T (1024-based).
_SIZE = re.compile(r"^([1-9][0-9]*) ?([kmgt])?i?b?$", re.IGNORECASE)
_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


def _users(settings: Any) -> list[Any]:
    users = settings.get("users", []) if isinstance(settings, dict) else None
    return users if isinstance(users, list) else []


def quota_size(value: Any) -> str:
    """A quota in the one form every Dovecot reads ("1G", "500M", "1048576"); "" for none."""
    if value is None or value == "" or value == 0:
        return ""
    match = _SIZE.match(str(value).strip())
    if not match:
        raise ValueError(f"not a size: {value!r}")
    return match.group(1) + (match.group(2) or "").upper()


def _entry(user: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    quota = user.get("quota", settings.get("quota", ""))
    return {**user, "address": str(user["address"]).lower(), "quota": quota_size(quota)}


def virtual_mailbox_users(domains: dict[str, Any], state: str = "present") -> list[dict[str, Any]]:
    """The users in that state, address in lower case, quota (the user's, else the domain's) normalized."""
    return [
        _entry(user, settings)
        for settings in domains.values()
        for user in _users(settings)
        if user.get("state", "present") == state
    ]


def virtual_mailbox_addresses(domains: dict[str, Any], state: str = "present") -> list[str]:
    """The addresses in that state, lower case, in inventory order (no passwords: safe to loop over)."""
    return [
        str(user["address"]).lower()
        for settings in domains.values()
        for user in _users(settings)
        if isinstance(user, dict) and "address" in user and user.get("state", "present") == state
    ]


def virtual_mailbox_removals(domains: dict[str, Any]) -> list[str]:
    """The absent users whose mail the inventory asks to delete (remove_mail: true)."""
    return [
        str(user["address"]).lower()
        for settings in domains.values()
        for user in _users(settings)
        if user.get("state") == "absent" and user.get("remove_mail") is True
    ]


def kept_virtual_accounts(passwd_file: str, domains: dict[str, Any]) -> list[dict[str, str]]:
    """The accounts of the live passwd-file the inventory no longer lists, line as it is.

    A user who merely left the inventory keeps account and mail; only state: absent removes them.
    """
    listed = set(virtual_mailbox_addresses(domains)) | set(virtual_mailbox_addresses(domains, "absent"))
    kept = []
    for line in passwd_file.splitlines():
        address = line.split(":", 1)[0].strip().lower()
        if line.startswith("#") or not _ADDRESS.match(address) or address in listed:
            continue
        kept.append({"address": address, "domain": address.rpartition("@")[2], "line": line})
    return kept


def virtual_mailbox_quotas(domains: dict[str, Any]) -> bool:
    """Whether any present user has a storage quota."""
    return any(user["quota"] for user in virtual_mailbox_users(domains))


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
        problems += _quota_problems(f"{where}.quota", settings.get("quota"))
        for number, user in enumerate(settings["users"], 1):
            if not isinstance(user, dict) or "address" not in user:
                problems.append(f"{where}.users[{number}]: each user needs an address, e.g. user@{domain}")
                continue
            address = str(user["address"]).lower()
            if not _ADDRESS.match(address):
                problems.append(f"{where}: '{user['address']}' is not an address such as alice@{domain}")
            elif address.rpartition("@")[2] != domain:
                problems.append(f"{where}: '{user['address']}' is outside {domain}; list it under its own domain")
            state = user.get("state", "present")
            if state not in ("present", "absent"):
                problems.append(f"{where}: user '{address}' has state '{state}'; use present or absent")
            if state == "present" and ("password" in user) == ("password_hash" in user):
                problems.append(f"{where}: user '{address}' needs exactly one of 'password' or 'password_hash'")
            if "remove_mail" in user and (state != "absent" or not isinstance(user["remove_mail"], bool)):
                problems.append(
                    f"{where}: user '{address}' has remove_mail; it takes true or false, with state: absent"
                )
            problems += _quota_problems(f"{where}: user '{address}' quota", user.get("quota"))
            if address in seen or address in taken:
                problems.append(
                    f"{where}: '{address}' is defined twice (as a virtual user, a virtual alias or a relocated "
                    "address); keep one of them"
                )
            seen.add(address)
    return problems


def _quota_problems(where: str, quota: Any) -> list[str]:
    try:
        quota_size(quota)
    except ValueError:
        return [f"{where}: '{quota}' is not a size; give bytes or a number and K, M, G or T, e.g. 500M or 2G"]
    return []


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {
            "kept_virtual_accounts": kept_virtual_accounts,
            "virtual_mailbox_addresses": virtual_mailbox_addresses,
            "virtual_mailbox_users": virtual_mailbox_users,
            "virtual_mailbox_problems": virtual_mailbox_problems,
            "virtual_mailbox_quotas": virtual_mailbox_quotas,
            "virtual_mailbox_removals": virtual_mailbox_removals,
        }
