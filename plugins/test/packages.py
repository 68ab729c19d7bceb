"""Test `installed`: are all these packages in the list of installed ones?

The package module takes about half a second to find that nothing needs
installing (issue 13); the mail role lists the installed packages once
(`__mail_installed_packages`, from dpkg-query or rpm) and each role skips its
install task when this test holds:

    when: __postfix_all_packages is not postdove.mailserver.installed(__mail_installed_packages)

A name the list lacks (a virtual package, one dpkg left unfinished, or no
list at all) runs the task, which then decides as always. Unit-tested in
tests/test_skip_tests.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable


def installed(packages: Iterable[str], installed_names: Collection[str]) -> bool:
    """True when every package name is in `installed_names`."""
    return all(name in installed_names for name in packages)


class TestModule:
    def tests(self) -> dict[str, object]:
        return {"installed": installed}
