"""Test `installed`: are all these packages in package_facts' list?

The package module takes about half a second to find that nothing needs
installing (issue 13); the mail role reads the installed packages once and
each role skips its install task when this test holds:

    when: __postfix_all_packages is not postdove.mailserver.installed(ansible_facts.packages | default({}))

A name the facts do not list (a virtual package, or no facts at all) runs the
task, which then decides as always. Unit-tested in tests/test_skip_tests.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def installed(packages: Iterable[str], facts: Mapping[str, object]) -> bool:
    """True when every package name is a key of package_facts' `packages`."""
    return all(name in facts for name in packages)


class TestModule:
    def tests(self) -> dict[str, object]:
        return {"installed": installed}
