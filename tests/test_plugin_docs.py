"""Every module and callback of the collection documents itself: ansible-doc parses each."""

from __future__ import annotations

import json
import subprocess

import pytest

from postdove.testing.project import PROJECT

PLUGINS = [
    (kind, source.stem)
    for kind, folder in (("module", "modules"), ("callback", "callback"))
    for source in sorted((PROJECT / "plugins" / folder).glob("*.py"))
]


@pytest.mark.parametrize(("kind", "name"), PLUGINS, ids=[f"{kind}:{name}" for kind, name in PLUGINS])
def test_ansible_doc_parses_the_documentation(kind: str, name: str) -> None:
    fqcn = f"postdove.mailserver.{name}"
    run = subprocess.run(
        ["ansible-doc", "-t", kind, "--json", fqcn], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)[fqcn]["doc"]["short_description"]
