"""Filters for the mail role's preflight: what the target is, who holds the mail ports, which roles are postdove's.

Kept out of the task files so that each check reads as one line of intent,
and unit-tested in tests/test_preflight_filters.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

# ss -Hltnp: LISTEN 0 100 0.0.0.0:25 0.0.0.0:* users:(("exim4",pid=1,fd=3))
_SS_LISTENER = re.compile(r'^\S+\s+\S+\s+\S+\s+\S*:(\d+)\s+\S+\s+users:\(\("([^"]+)"')


def os_release_field(text: str, name: str) -> str:
    """A field of /etc/os-release (quotes removed); empty when absent."""
    match = re.search(rf'^{re.escape(name)}="?([^"\r\n]*)', text, re.MULTILINE)
    return match.group(1) if match else ""


def os_release_target(text: str, el_ids: list[str]) -> str:
    """The target key "<os family>-<major version>" (Debian-13, RedHat-9) from /etc/os-release.

    EL rebuilds (Rocky, Alma, ...) and anything whose ID_LIKE names rhel count as
    RedHat; any other OS keeps its own ID, so the refusal can name it.
    """
    os_id = os_release_field(text, "ID")
    like = os_release_field(text, "ID_LIKE").split()
    if os_id == "debian":
        family = "Debian"
    elif os_id in el_ids or "rhel" in like:
        family = "RedHat"
    else:
        family = os_id
    major = os_release_field(text, "VERSION_ID").split(".")[0]
    return f"{family}-{major}"


def port_clashes(ss_lines: list[str], ports: list[int], owners: list[str]) -> list[str]:
    """'port N held by PROGRAM' for each mail port a program other than `owners` listens on."""
    wanted = {str(port) for port in ports}
    clashes: list[str] = []
    for line in ss_lines:
        match = _SS_LISTENER.match(line)
        if match and match.group(1) in wanted and match.group(2) not in owners:
            clash = f"port {match.group(1)} held by {match.group(2)}"
            if clash not in clashes:
                clashes.append(clash)
    return clashes


def roles_depending_on(roles_dir: str, role: str) -> list[str]:
    """The roles beside `role` in `roles_dir` that list it as a dependency (by name or FQCN), sorted.

    These are postdove's roles: the playbook's role list stays the only list of
    them, and unrelated roles installed beside them are left out.
    """
    found = []
    for meta in sorted(Path(roles_dir).glob("*/meta/main.yml")):
        dependencies = (yaml.safe_load(meta.read_text()) or {}).get("dependencies") or []
        names = {d.get("role", d.get("name")) if isinstance(d, dict) else d for d in dependencies}
        if any(name == role or str(name).endswith(f".{role}") for name in names if name):
            found.append(meta.parent.parent.name)
    return found


def role_options(roles_dir: str, roles: list[str]) -> dict[str, dict]:
    """Each role's options from its meta/argument_specs.yml (entry point main), keyed by role name."""
    options = {}
    for role in roles:
        specs = yaml.safe_load((Path(roles_dir) / role / "meta/argument_specs.yml").read_text())
        options[role] = specs["argument_specs"]["main"].get("options", {})
    return options


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {
            "os_release_field": os_release_field,
            "os_release_target": os_release_target,
            "port_clashes": port_clashes,
            "roles_depending_on": roles_depending_on,
            "role_options": role_options,
        }
