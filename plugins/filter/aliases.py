"""Filters for aliases: /etc/aliases' managed block, virtual alias domains, and their checks before any change.

The block goes first in the file: postalias keeps the first definition of a
name (and warns about the rest), so a name the block defines is commented
out where the admin's part of the file defines it too, with a mark that lets
a later run restore the line when the name leaves the inventory. Everything
else in the file is kept as it is. Unit-tested in tests/test_alias_filters.py.
"""

from __future__ import annotations

import re

BEGIN = "# BEGIN postdove: mail_aliases (edit the inventory, not these lines)"
END = "# END postdove"
SHADOWED = "#postdove-shadowed# "
# aliases(5): "name: value, value"; a line that starts with white space continues the one before.
_DEFINITION = re.compile(r"^([^\s#:][^:]*?)\s*:")
_LOCAL_NAME = re.compile(r"^[a-z_][a-z0-9_.-]*$")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # the mail role's __mail_address_re


def managed_aliases(inventory: dict[str, str | list[str]], postmaster: str) -> dict[str, list[str]]:
    """The aliases postdove writes: postmaster to root, root to `postmaster` (if any), then the inventory's.

    A value may be a list or one comma-separated string, as in aliases(5).
    """
    entries: dict[str, list[str]] = {"postmaster": ["root"]}
    if postmaster:
        entries["root"] = [postmaster]
    for name, value in inventory.items():
        items = value.split(",") if isinstance(value, str) else value
        entries[str(name)] = [str(item).strip() for item in items if str(item).strip()]
    return entries


def aliases_file(text: str, entries: dict[str, list[str]]) -> str:
    """The whole /etc/aliases: postdove's block for `entries`, then the admin's lines."""
    admin_lines = _restore_shadowed(_without_block(text.splitlines()))
    managed = {name.lower() for name in entries}
    kept: list[str] = []
    shadowing = False
    for line in admin_lines:
        definition = _DEFINITION.match(line)
        if definition:
            shadowing = definition.group(1).lower() in managed
        elif not (line[:1].isspace() and line.strip()):
            shadowing = False  # a comment or blank line ends a definition's continuation
        kept.append(SHADOWED + line if shadowing else line)
    block = [BEGIN, *(f"{name}: {', '.join(targets)}" for name, targets in entries.items()), END]
    return "\n".join([*block, *kept]) + "\n"


def _without_block(lines: list[str]) -> list[str]:
    if BEGIN not in lines:
        return lines
    start = lines.index(BEGIN)
    end = lines.index(END, start) if END in lines[start:] else start
    return lines[:start] + lines[end + 1 :]


def _restore_shadowed(lines: list[str]) -> list[str]:
    return [line[len(SHADOWED) :] if line.startswith(SHADOWED) else line for line in lines]


def alias_problems(entries: dict[str, list[str]], users: list[str]) -> list[str]:
    """What is wrong with the aliases, each naming the alias and the fix; empty when all is well.

    A target is a full address (user@domain), a user in mail_users, or another alias.
    """
    problems = []
    names = {name.lower() for name in entries}
    for name, targets in entries.items():
        if not _LOCAL_NAME.match(name):
            problems.append(
                f"mail_aliases: '{name}' is not a local name: use lower-case letters, digits, '.', '_' and '-'"
            )
        if not targets:
            problems.append(f"mail_aliases.{name}: give at least one target (a user, an alias or an address)")
        for target in targets:
            if "@" in target:
                local, _, domain = target.partition("@")
                if not local or "." not in domain or any(c.isspace() for c in target):
                    problems.append(f"mail_aliases.{name}: '{target}' is not an address such as alice@example.org")
            elif target.lower() == name.lower():
                # "hello: hello, test" keeps a copy in hello's own mailbox (local(8) ends the recursion).
                if target not in users:
                    problems.append(
                        f"mail_aliases.{name}: names itself, which keeps a copy only for a user in mail_users"
                    )
            elif target.lower() not in names and target not in users:
                problems.append(
                    f"mail_aliases.{name}: '{target}' is neither a user in mail_users nor an alias; "
                    "fix the name, add the user, or give a full address"
                )
    graph = {
        name.lower(): [t.lower() for t in targets if t.lower() != name.lower()] for name, targets in entries.items()
    }
    loop = _first_loop(graph)
    if loop:
        problems.append(
            f"mail_aliases: {' -> '.join(loop)} is a loop (no mail could ever be delivered); "
            "let one of them point to a user or an address"
        )
    return problems


def virtual_alias_domains(entries: dict[str, list[str]]) -> list[str]:
    """The domains of mail_virtual_aliases' addresses (a catch-all's `@domain` included), sorted."""
    return sorted({address.rpartition("@")[2].lower() for address in entries})


def virtual_alias_problems(entries: dict[str, list[str]], local_names: list[str], own_domains: list[str]) -> list[str]:
    """What is wrong with mail_virtual_aliases, each naming the address and the fix.

    A key is user@domain, or @domain for the domain's catch-all; a target is a
    full address or a local name (a user of mail_users or an alias of mail_aliases).
    """
    problems = []
    for address, targets in entries.items():
        local, at, domain = address.partition("@")
        if not at or "." not in domain or any(c.isspace() or c == "@" for c in local + domain):
            problems.append(
                f"mail_virtual_aliases: '{address}' is not an address (user@domain) or a catch-all (@domain)"
            )
            continue
        if domain.lower() in own_domains:
            problems.append(
                f"mail_virtual_aliases: '{address}' is in {domain}, which the server already delivers locally "
                "(mail_domain, mail_hostname): use mail_aliases for it, or another domain"
            )
        if not isinstance(targets, list) or not targets:
            problems.append(f"mail_virtual_aliases.{address}: give a list of targets (users, aliases or addresses)")
            continue
        for target in targets:
            if "@" in target:
                if not _ADDRESS.match(target):
                    problems.append(
                        f"mail_virtual_aliases.{address}: '{target}' is not an address such as alice@example.org"
                    )
            elif target not in local_names:
                problems.append(
                    f"mail_virtual_aliases.{address}: '{target}' is neither a user in mail_users nor an alias "
                    "in mail_aliases; fix the name or give a full address"
                )
    return problems


def _first_loop(graph: dict[str, list[str]]) -> list[str]:
    """A cycle through alias names only (targets that are users or addresses end a path)."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(name: str, path: list[str]) -> list[str]:
        state[name] = "open"
        for target in graph.get(name, []):
            if target not in graph:
                continue
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target, [*path, target])
                if found:
                    return found
        state[name] = "done"
        return []

    for name in graph:
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return []


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {
            "managed_aliases": managed_aliases,
            "aliases_file": aliases_file,
            "alias_problems": alias_problems,
            "virtual_alias_domains": virtual_alias_domains,
            "virtual_alias_problems": virtual_alias_problems,
        }
