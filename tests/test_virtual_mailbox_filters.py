"""plugins/filter/virtual_mailboxes.py: the addresses, the passwd-file entries, and what is wrong with an inventory."""

from __future__ import annotations

import importlib.util

import pytest

from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("virtual_mailboxes", PROJECT / "plugins/filter/virtual_mailboxes.py")
assert _spec and _spec.loader
_filters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_filters)
virtual_mailbox_addresses = _filters.virtual_mailbox_addresses
virtual_mailbox_problems = _filters.virtual_mailbox_problems
virtual_mailbox_users = _filters.virtual_mailbox_users
virtual_mailbox_quotas = _filters.virtual_mailbox_quotas
virtual_mailbox_removals = _filters.virtual_mailbox_removals
kept_virtual_accounts = _filters.kept_virtual_accounts
quota_size = _filters.quota_size

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
    assert virtual_mailbox_users(GOOD)[0] == {"address": "alice@hello.info", "password": "x", "quota": ""}


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


@pytest.mark.parametrize(
    ("given", "written"), [("1G", "1G"), ("500m", "500M"), ("2 GiB", "2G"), (1048576, "1048576"), ("", ""), (0, "")]
)
def test_quotas_are_written_in_the_one_form_every_dovecot_reads(given, written):
    assert quota_size(given) == written


def test_a_user_quota_overrides_the_domain_one():
    domains = {
        "hello.info": {
            "quota": "1G",
            "users": [
                {"address": "a@hello.info", "password": "x"},
                {"address": "b@hello.info", "password": "x", "quota": "5M"},
            ],
        }
    }
    assert [user["quota"] for user in virtual_mailbox_users(domains)] == ["1G", "5M"]
    assert virtual_mailbox_quotas(domains) and not virtual_mailbox_quotas(GOOD)


def test_a_quota_that_is_not_a_size_is_named():
    bad = {"hello.info": {"quota": "lots", "users": [{"address": "a@hello.info", "password": "x", "quota": "-1"}]}}
    assert problems(bad) == [
        "mail_virtual_domains.hello.info.quota: 'lots' is not a size; give bytes or a number and K, M, G or T, "
        "e.g. 500M or 2G",
        "mail_virtual_domains.hello.info: user 'a@hello.info' quota: '-1' is not a size; give bytes or a number "
        "and K, M, G or T, e.g. 500M or 2G",
    ]


def test_absent_users_leave_the_maps_and_only_remove_mail_deletes_their_mail():
    domains = {
        "hello.info": {
            "users": [
                {"address": "a@hello.info", "password": "x"},
                {"address": "b@hello.info", "state": "absent"},
                {"address": "c@hello.info", "state": "absent", "remove_mail": True},
            ]
        }
    }
    assert problems(domains) == []
    assert virtual_mailbox_addresses(domains) == ["a@hello.info"]
    assert virtual_mailbox_removals(domains) == ["c@hello.info"]


def test_remove_mail_goes_only_with_state_absent():
    domains = {"hello.info": {"users": [{"address": "a@hello.info", "password": "x", "remove_mail": True}]}}
    assert "it takes true or false, with state: absent" in problems(domains)[0]


def test_accounts_the_inventory_no_longer_lists_are_kept_as_they_are():
    live = (
        "# managed\n"
        "alice@hello.info:{CRYPT}$6$a$b::::::\n"
        "gone@hello.info:{CRYPT}$6$c$d::::::userdb_quota_rule=*:storage=1G\n"
        "old@hello.biz:{CRYPT}$6$e$f::::::\n"
    )
    kept = kept_virtual_accounts(live, GOOD)
    assert [account["address"] for account in kept] == ["gone@hello.info", "old@hello.biz"]
    assert kept[0]["line"] == "gone@hello.info:{CRYPT}$6$c$d::::::userdb_quota_rule=*:storage=1G"
    assert kept[1]["domain"] == "hello.biz"
