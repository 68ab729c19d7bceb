"""Each role variable is documented in three places that must agree.

meta/argument_specs.yml (types, checked on every run), defaults/main.yml (the
values) and README.md "Inventory variables" (what users read). A variable
added to one and forgotten in another fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]
ROLES = sorted(p.parent.parent.name for p in PROJECT.glob("roles/*/meta/argument_specs.yml"))
README = (PROJECT / "README.md").read_text()


def options(role: str) -> dict[str, dict]:
    specs = yaml.safe_load((PROJECT / "roles" / role / "meta/argument_specs.yml").read_text())
    return specs["argument_specs"]["main"].get("options", {})


def defaults(role: str) -> dict[str, object]:
    path = PROJECT / "roles" / role / "defaults/main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_and_defaults_name_the_same_variables(role: str) -> None:
    # A required variable has no default: the inventory must give it.
    optional = {name for name, spec in options(role).items() if not spec.get("required")}
    assert optional == set(defaults(role))


@pytest.mark.parametrize("role", ROLES)
def test_argument_specs_defaults_are_the_defaults_files_values(role: str) -> None:
    values = defaults(role)
    differing = {
        name: (spec["default"], values[name])
        for name, spec in options(role).items()
        if "default" in spec and spec["default"] != values[name]
    }
    assert differing == {}


@pytest.mark.parametrize("role", ROLES)
def test_readme_documents_every_variable(role: str) -> None:
    undocumented = [name for name in options(role) if not re.search(rf"\b{re.escape(name)}\b", README)]
    assert undocumented == []
