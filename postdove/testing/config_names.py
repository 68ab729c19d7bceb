"""The parameter names a Postfix or Dovecot configuration file uses.

The render tests compare these with the names each target's daemon version
knows (tests/render/params/), so a parameter the version lacks fails there
instead of on the target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MAINCF_LINE = re.compile(r"^([a-z0-9_]+)\s*=")
_MASTER_OPTION = re.compile(r"^\s+-o\s+([a-z0-9_]+)=")
_DOVECOT_SECTION = re.compile(r"^([a-z0-9_]+)(\s+[^{]*)?\{$")
_DOVECOT_SETTING = re.compile(r"^([a-z0-9_]+)\s*=")


def main_cf_names(text: str) -> set[str]:
    """Parameters set in main.cf (continuation and comment lines skipped)."""
    return {m.group(1) for line in text.splitlines() if (m := _MAINCF_LINE.match(line))}


def master_cf_option_names(text: str) -> set[str]:
    """Parameters overridden with -o in master.cf."""
    return {m.group(1) for line in text.splitlines() if (m := _MASTER_OPTION.match(line))}


_REFERENCE = re.compile(r"\$\{?([a-z0-9_]+)")


def postfix_references(text: str) -> set[str]:
    """Parameters a main.cf or master.cf value expands ($name or ${name}), comments skipped."""
    lines = (line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return {name for line in lines for name in _REFERENCE.findall(line)}


def master_cf_commands(text: str) -> set[str]:
    """The daemon programs master.cf starts (the first word of the command column)."""
    commands = set()
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", " ", "\t")):
            continue
        fields = line.split()
        if len(fields) >= 8:
            commands.add(fields[7])
    return commands


def dovecot_setting_paths(lines: Iterable[str]) -> set[str]:
    """Settings as section-type paths, e.g. ssl_cert or service/inet_listener/port.

    Sections are named by their type (service, inet_listener, namespace), not
    their instance name, so the paths are the same in doveconf -a output and in
    a configuration file. A protocol block only narrows where global settings
    apply, so its settings count as global; plugin settings belong to plugins,
    which doveconf does not know, so they are left out.
    """
    paths: set[str] = set()
    stack: list[str] = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("!"):
            continue
        if line == "}":
            stack.pop()
        elif section := _DOVECOT_SECTION.match(line):
            stack.append(section.group(1))
        elif (setting := _DOVECOT_SETTING.match(line)) and "plugin" not in stack:
            paths.add("/".join([*(s for s in stack if s != "protocol"), setting.group(1)]))
    return paths
