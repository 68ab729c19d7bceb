"""plugins/filter/virtual_mailboxes.py: the addresses, the passwd-file entries, and what is wrong with an inventory."""

from __future__ import annotations

import importlib.util

from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("virtual_mailboxes", PROJECT / "plugins/filter/virtual_mailboxes.py")
assert _spec and _spec.loader
_filters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_filters)
virtual_mailbox_addresses = _filters.virtual_mailbox_addresses
virtual_mailbox_problems = _filters.virtual_mailbox_problems
virtual_mailbox_users = _filters.virtual_mailbox_users

GOOD = {
    "hello.info": {
        "users": [
            {"address": "Alice@hello.info", "password": "x"},
            {"address": "bob@hello.info", "password_hash": "$6$a$b"},
        ]
    },
    "hello.biz": {"users": [{"address": "carol@hello.biz", "password": "y"}]},
}
OWN = ["hello.com", "server.hello.com", "localhost", "localhost.hello.com"]


def problems(domains, alias_domains=(), others=()):
    return virtual_mailbox_problems(domains, OWN, list(alias_domains), list(others))


def test_addresses_are_lower_case_and_carry_no_password():
    assert virtual_mailbox_addresses(GOOD) == ["alice@hello.info", "bob@hello.info", "carol@hello.biz"]
    assert virtual_mailbox_users(GOOD)[0] == {"address": "alice@hello.info", "password": "x"}


def test_a_good_inventory_has_no_problems():
    assert problems(GOOD) == []


def test_an_address_outside_its_domain_is_named():
    bad = {"hello.info": {"users": [{"address": "alice@hello.biz", "password": "x"}]}}
    assert problems(bad) == [
        "mail_virtual_domains.hello.info: 'alice@hello.biz' is outside hello.info; list it under its own domain"
    ]


def test_a_domain_of_the_system_users_or_of_the_virtual_aliases_is_refused():
    assert "delivered to system users already" in problems({"hello.com": GOOD["hello.info"]})[0]
    assert "also a virtual alias domain" in problems(GOOD, alias_domains=["hello.biz"])[0]


def test_an_address_defined_twice_is_refused():
    twice = {
        "hello.info": {
            "users": [{"address": "a@hello.info", "password": "x"}, {"address": "A@hello.info", "password": "y"}]
        }
    }
    assert "'a@hello.info' is defined twice" in problems(twice)[0]
    assert "defined twice" in problems(GOOD, others=["carol@hello.biz"])[0]


def test_each_user_needs_exactly_one_password_field():
    none = {"hello.info": {"users": [{"address": "a@hello.info"}]}}
    both = {"hello.info": {"users": [{"address": "a@hello.info", "password": "x", "password_hash": "$6$a$b"}]}}
    assert "exactly one of 'password' or 'password_hash'" in problems(none)[0]
    assert "exactly one of 'password' or 'password_hash'" in problems(both)[0]


def test_a_domain_without_users_or_with_a_bad_name_is_named():
    assert "give users:" in problems({"hello.info": {}})[0]
    assert (
        "is not a domain name" in problems({"Hello_Info": {"users": [{"address": "a@Hello_Info", "password": "x"}]}})[0]
    )
