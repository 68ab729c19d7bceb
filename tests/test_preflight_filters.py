"""The mail role's preflight filters (plugins/filter/preflight.py)."""

from __future__ import annotations

import importlib.util

import pytest

from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("preflight", PROJECT / "plugins/filter/preflight.py")
assert _spec and _spec.loader
preflight = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(preflight)

EL_IDS = ["rhel", "centos", "rocky", "almalinux", "ol"]


@pytest.mark.parametrize(
    ("os_release", "target"),
    [
        ('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\n', "Debian-13"),
        ('NAME="CentOS Linux"\nVERSION_ID="7"\nID="centos"\nID_LIKE="rhel fedora"\n', "RedHat-7"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', "RedHat-9"),
        ('ID="almalinux"\nVERSION_ID="10.0"\n', "RedHat-10"),
        ('ID="someel"\nID_LIKE="rhel"\nVERSION_ID="8.10"\n', "RedHat-8"),
        ('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n', "ubuntu-24"),
        ("", "-"),
    ],
)
def test_the_target_is_named_by_family_and_major_version(os_release: str, target: str) -> None:
    assert preflight.os_release_target(os_release, EL_IDS) == target


SS = [
    'LISTEN 0 100 0.0.0.0:25 0.0.0.0:* users:(("exim4",pid=1,fd=3))',
    'LISTEN 0 100 [::]:25 [::]:* users:(("exim4",pid=1,fd=4))',
    'LISTEN 0 100 0.0.0.0:993 0.0.0.0:* users:(("dovecot",pid=7,fd=30))',
    'LISTEN 0 100 0.0.0.0:587 0.0.0.0:* users:(("master",pid=9,fd=13))',
    'LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=2,fd=3))',
    'LISTEN 0 100 127.0.0.1:110 0.0.0.0:* users:(("nc",pid=5,fd=3))',
]


def test_port_clashes_name_each_foreign_program_once() -> None:
    clashes = preflight.port_clashes(SS, [25, 465, 587, 143, 993], ["master", "dovecot"])
    assert clashes == ["port 25 held by exim4"]


def test_a_disabled_protocols_port_is_not_a_clash() -> None:
    assert preflight.port_clashes(SS, [25, 465, 587], ["master", "dovecot", "exim4"]) == []
    assert preflight.port_clashes(SS, [110], ["master", "dovecot"]) == ["port 110 held by nc"]


def test_postdoves_roles_are_those_that_depend_on_mail() -> None:
    roles = preflight.roles_depending_on(str(PROJECT / "roles"), "mail")
    assert roles == [
        "dovecot",
        "mail_dkim",
        "mail_dmarc",
        "mail_dns",
        "mail_firewall",
        "mail_host",
        "mail_tls",
        "mail_users",
        "postfix",
    ]


def test_a_role_that_does_not_depend_on_mail_is_left_out(tmp_path) -> None:
    for name, meta in {
        "mail": "dependencies: []\n",
        "ours": "dependencies:\n  - role: mail\n",
        "fqcn": "dependencies:\n  - postdove.mailserver.mail\n",
        "theirs": "dependencies:\n  - role: geerlingguy.ntp\n",
        "bare": "galaxy_info: {}\n",
    }.items():
        (tmp_path / name / "meta").mkdir(parents=True)
        (tmp_path / name / "meta/main.yml").write_text(meta)
    assert preflight.roles_depending_on(str(tmp_path), "mail") == ["fqcn", "ours"]


def test_role_options_are_read_from_each_roles_argument_specs() -> None:
    options = preflight.role_options(str(PROJECT / "roles"), ["mail", "postfix"])
    assert set(options) == {"mail", "postfix"}
    assert options["mail"]["mail_domain"]["required"] is True
    assert "postfix_maincf_extra" in options["postfix"]
