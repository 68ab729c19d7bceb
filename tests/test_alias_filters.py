"""The /etc/aliases filters (plugins/filter/aliases.py)."""

from __future__ import annotations

import importlib.util

import pytest

from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("aliases", PROJECT / "plugins/filter/aliases.py")
assert _spec and _spec.loader
aliases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(aliases)

DEBIAN_DEFAULT = "# See man 5 aliases for format\npostmaster:    root\n"
USERS = ["test", "hello"]


def test_block_goes_first_and_shadows_the_admins_definition_of_a_managed_name():
    text = aliases.aliases_file(DEBIAN_DEFAULT, {"root": ["test"], "postmaster": ["root"]})
    assert text.splitlines() == [
        aliases.BEGIN,
        "root: test",
        "postmaster: root",
        aliases.END,
        "# See man 5 aliases for format",
        aliases.SHADOWED + "postmaster:    root",
    ]


def test_rendering_again_changes_nothing_and_a_name_that_leaves_gets_its_line_back():
    first = aliases.aliases_file(DEBIAN_DEFAULT, {"root": ["test"], "postmaster": ["root"]})
    assert aliases.aliases_file(first, {"root": ["test"], "postmaster": ["root"]}) == first
    assert aliases.aliases_file(first, {"root": ["test"]}).splitlines()[3:] == DEBIAN_DEFAULT.splitlines()


def test_continuation_lines_of_a_shadowed_definition_are_shadowed_too():
    text = "abuse: alice,\n  bob\nother: carol\n"
    lines = aliases.aliases_file(text, {"abuse": ["test"]}).splitlines()
    assert lines[3:] == [aliases.SHADOWED + "abuse: alice,", aliases.SHADOWED + "  bob", "other: carol"]


def test_lines_the_block_does_not_define_are_kept_as_they_are():
    text = "# local notes\n\nwebmaster: alice\nbin: root\n"
    assert aliases.aliases_file(text, {"root": ["test"]}).splitlines()[3:] == text.splitlines()


def test_sound_aliases_have_no_problems():
    entries = {"root": ["test"], "postmaster": ["root"], "team": ["test", "hello", "boss@example.org"]}
    assert aliases.alias_problems(entries, USERS) == []


def test_an_alias_may_keep_a_copy_in_its_own_users_mailbox():
    assert aliases.alias_problems({"hello": ["hello", "test"]}, USERS) == []


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ({"team": ["test", "bob"]}, "mail_aliases.team: 'bob' is neither a user in mail_users nor an alias"),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, "mail_aliases: a -> b -> c -> a is a loop"),
        ({"a": ["a"]}, "mail_aliases.a: names itself"),
        ({"team": ["bob@"]}, "mail_aliases.team: 'bob@' is not an address"),
        ({"Team Lead": ["test"]}, "mail_aliases: 'Team Lead' is not a local name"),
        ({"team": []}, "mail_aliases.team: give at least one target"),
    ],
)
def test_bad_aliases_are_named_with_the_fix(entries, expected):
    problems = aliases.alias_problems(entries, USERS)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_root_and_postmaster_reach_the_postmaster_and_the_inventory_comes_after():
    entries = aliases.managed_aliases({"team": "test, hello", "postmaster": ["test"]}, "test")
    assert entries == {"postmaster": ["test"], "root": ["test"], "team": ["test", "hello"]}
    assert aliases.managed_aliases({}, "") == {"postmaster": ["root"]}


VIRTUAL = {"info@hello.org": ["test"], "@hello.org": ["team"], "sales@hello.net": ["test", "boss@example.com"]}


def test_virtual_alias_domains_come_from_the_addresses():
    assert aliases.virtual_alias_domains(VIRTUAL) == ["hello.net", "hello.org"]


def test_sound_virtual_aliases_have_no_problems():
    assert aliases.virtual_alias_problems(VIRTUAL, ["test", "hello", "team"], ["hello.com", "server.hello.com"]) == []


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ({"info@hello.com": ["test"]}, "mail_virtual_aliases: 'info@hello.com' is in hello.com, which the server"),
        ({"info": ["test"]}, "mail_virtual_aliases: 'info' is not an address"),
        ({"info@hello.org": ["bob"]}, "mail_virtual_aliases.info@hello.org: 'bob' is neither a user"),
        ({"info@hello.org": ["bob@"]}, "mail_virtual_aliases.info@hello.org: 'bob@' is not an address"),
        ({"info@hello.org": []}, "mail_virtual_aliases.info@hello.org: give a list of targets"),
    ],
)
def test_bad_virtual_aliases_are_named_with_the_fix(entries, expected):
    problems = aliases.virtual_alias_problems(entries, ["test"], ["hello.com", "server.hello.com"])
    assert any(problem.startswith(expected) for problem in problems), problems
