"""The collection's own plugins: ansible-doc parses their documentation; the preload callback runs."""

from __future__ import annotations

import json
import re
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


def test_the_preload_callback_imports_the_plugins(tmp_path) -> None:
    """ansible.cfg enables it; at -vvv it says how many plugins it imported, or why none."""
    playbook = tmp_path / "noop.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks: []\n")
    run = subprocess.run(
        ["ansible-playbook", "-vvv", str(playbook)], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert "plugins not preloaded" not in run.stdout
    preloaded = re.search(r"postdove.mailserver.preload: (\d+) plugins preloaded", run.stdout)
    assert preloaded, run.stdout[-2000:]
    # ansible.builtin's filters, tests and lookups, and postdove's own filter and test files.
    assert int(preloaded.group(1)) > 50
