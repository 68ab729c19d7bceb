"""Every template, rendered for every supported target, is accepted by that target's daemons.

tests/render/render.yml renders the roles' templates with each target's facts
and OS variables. Debian 12's and 13's output is checked by the real postconf,
postfix check and doveconf (in the lab's daemons images), and so is EL7's and
EL9's, by their own Postfix and Dovecot versions built from upstream source
(lab/build-el-daemons-image). Every EL output is also checked against the
parameter names of its Postfix and Dovecot versions (tests/render/params/,
made by tests/render/make_param_lists.py), so a parameter a version lacks or
has dropped fails here rather than on a server.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from postdove.testing import containers
from postdove.testing.ansible import failed_tasks, run_playbook
from postdove.testing.config_names import (
    dovecot_setting_paths,
    main_cf_names,
    master_cf_commands,
    master_cf_option_names,
    postfix_references,
)
from postdove.testing.project import PROJECT

RENDER = PROJECT / "tests/render"
PARAMS = RENDER / "params"
TARGETS = {
    "el7": ("RedHat", "7"),
    "el8": ("RedHat", "8"),
    "el9": ("RedHat", "9"),
    "el10": ("RedHat", "10"),
    "debian12": ("Debian", "12"),
    "debian13": ("Debian", "13"),
}
DEBIAN_RELEASES = ["12", "13"]
# The tables the roles postmap in /etc/postfix (empty ones too).
LOOKUP_TABLES = [
    "postdove_relocated",
    "postdove_relocated_reply",
    "postdove_virtual",
    "postdove_transport",
    "postdove_tls_policy",
    "postdove_relay_password",
    "postdove_virtual_mailboxes",
]
# The EL targets whose daemon versions the lab builds from upstream source.
EL_BUILT = ["el7", "el9"]
HOSTS = [f"{target}{variant}" for target in TARGETS for variant in ("", "-guide")]
EL_HOSTS = [host for host in HOSTS if host.startswith("el")]
# Daemons newer than Postfix 2.10 that master.cf may start (postlogd(8): "appeared in Postfix 3.4").
DAEMON_SINCE = {"postlogd": (3, 4)}
# main.cf may differ between targets only where the OS or version makes it.
OS_SPECIFIC = {
    "compatibility_level",
    "alias_maps",
    "alias_database",
    # Lookup tables of the OS's default type (hash, or lmdb on EL9/10).
    "relocated_maps",
    "virtual_alias_maps",
    "smtpd_recipient_restrictions",
    "transport_maps",
    "smtp_tls_policy_maps",
    "smtp_sasl_password_maps",
    "virtual_mailbox_maps",
    "smtpd_tls_cert_file",
    "smtpd_tls_key_file",
    "smtpd_forbid_bare_newline",
    "smtpd_data_restrictions",
    "smtpd_discard_ehlo_keywords",
    "tls_eecdh_auto_curves",
    "smtpd_tls_dh1024_param_file",
    "smtpd_client_auth_rate_limit",
    # The inbound checker: rspamd on Debian (Postfix refuses from its header), OpenDMARC on EL.
    "smtpd_milters",
    "milter_header_checks",
    # Outbound DANE (mail_outbound_dane): Postfix 2.11 and later, so not CentOS 7's.
    "smtp_tls_security_level",
    "smtp_dns_support_level",
    # The system's CA file, where each OS keeps it.
    "smtp_tls_CAfile",
}


def versions(rendered: Path, host: str) -> dict[str, str]:
    """The Postfix and Dovecot versions the roles' OS variables name for `host` (recorded by render.yml)."""
    return yaml.safe_load((rendered / host / "versions.yml").read_text())


def names_file(daemon: str, version: str) -> set[str]:
    return set((PARAMS / f"{daemon}-{version}.txt").read_text().split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render")
    result = run_playbook(
        RENDER / "hosts.yml", RENDER / "render.yml", "--skip-tags", "target_probe,packages", "-e", f"render_dir={out}"
    )
    assert result.returncode == 0, failed_tasks(result.stdout + result.stderr)
    return out


def unknown_postfix_names(main_cf: str, master_cf: str, version: str) -> set[str]:
    known = names_file("postfix", version)
    used = main_cf_names(main_cf) | master_cf_option_names(master_cf)
    return (used | postfix_references(main_cf) | postfix_references(master_cf)) - known


def test_the_checker_flags_a_parameter_the_version_lacks() -> None:
    main_cf = "compatibility_level = 2\nsmtputf8_enable = no\nmyhostname = a.b.c\n"
    master_cf = "smtp inet n - n - - smtpd\n  -o smtpd_forbid_bare_newline=yes\n  -o syslog_name=x/$service_name\n"
    assert unknown_postfix_names(main_cf, master_cf, "2.10.1") == {
        "compatibility_level",
        "smtputf8_enable",
        "smtpd_forbid_bare_newline",
        "service_name",
    }
    assert "ssl_min_protocol" not in names_file("dovecot", "2.2.36")
    assert "ssl_protocols" not in names_file("dovecot", "2.3.16")


@pytest.mark.parametrize("host", EL_HOSTS)
def test_postfix_config_uses_only_parameters_its_version_knows(rendered: Path, host: str) -> None:
    version = versions(rendered, host)["postfix"]
    main_cf = (rendered / host / "postfix/main.cf").read_text()
    master_cf = (rendered / host / "postfix/master.cf").read_text()
    assert unknown_postfix_names(main_cf, master_cf, version) == set()
    release = tuple(int(part) for part in version.split(".")[:2])
    too_new = {c for c in master_cf_commands(master_cf) if DAEMON_SINCE.get(c, (0, 0)) > release}
    assert too_new == set()


@pytest.mark.parametrize("host", EL_HOSTS)
def test_dovecot_config_uses_only_settings_its_version_knows(rendered: Path, host: str) -> None:
    version = versions(rendered, host)["dovecot"]
    lines = [
        line for path in sorted((rendered / host / "dovecot").rglob("*.conf")) for line in path.read_text().splitlines()
    ]
    assert dovecot_setting_paths(lines) - names_file("dovecot", version) == set()


def milter_sockets(rendered: Path, host: str) -> set[str]:
    """Where the rendered OpenDKIM, OpenDMARC and rspamd listen, as paths on the host."""
    listening = set()
    for config in filter(Path.is_file, (rendered / host).glob("*/*")):
        for line in config.read_text().splitlines():
            if line.startswith("Socket ") and line.split()[1].startswith("local:"):
                listening.add(line.split()[1].removeprefix("local:"))
            if line.startswith("bind_socket = "):
                listening.add(line.split('"')[1].split()[0])
    return listening


@pytest.mark.parametrize("host", [f"{target}-guide" for target in TARGETS])
def test_every_milter_postfix_asks_listens_where_postfix_looks(rendered: Path, host: str) -> None:
    """main.cf names each milter's socket relative to Postfix's spool; the milter's own configuration must agree."""
    settings = dict(
        line.split(" = ", 1) for line in (rendered / host / "postfix/main.cf").read_text().splitlines() if " = " in line
    )
    asked = {
        "/var/spool/postfix/" + milter.strip().removeprefix("unix:")
        for name in ("smtpd_milters", "non_smtpd_milters")
        for milter in settings[name].split(",")
    }
    # The guide variant signs with DKIM and checks what arrives: OpenDKIM and one checker.
    assert len(asked) == 2, asked
    assert asked <= milter_sockets(rendered, host)


@pytest.mark.parametrize("host", ["el7", "el7-guide"])
def test_dovecot_22_makes_2048_bit_dh_groups(rendered: Path, host: str) -> None:
    # Left to itself Dovecot 2.2 makes 1024-bit groups, below Mozilla's intermediate profile.
    settings = (rendered / host / "dovecot/conf.d/10-ssl.conf").read_text().splitlines()
    assert "ssl_dh_parameters_length = 2048" in settings


@pytest.mark.parametrize("variant", ["", "-guide"])
def test_main_cf_differs_between_targets_only_where_the_os_does(rendered: Path, variant: str) -> None:
    def settings(host: str) -> dict[str, str]:
        lines = (rendered / host / "postfix/main.cf").read_text().splitlines()
        return dict(line.split(" = ", 1) for line in lines if " = " in line and not line.startswith("#"))

    reference = settings("debian12" + variant)
    for target in ("el7", "el8", "el9", "el10", "debian13"):
        other = settings(target + variant)
        differing = {k for k in reference.keys() | other.keys() if reference.get(k) != other.get(k)}
        assert differing <= OS_SPECIFIC, f"{target}{variant}"


@pytest.mark.parametrize("release", DEBIAN_RELEASES)
def test_versions_in_vars_match_debians_daemons(rendered: Path, release: str) -> None:
    named = versions(rendered, f"debian{release}")
    assert named["postfix"] == daemons(f"debian{release}", "postconf -d -h mail_version").strip()
    assert named["dovecot"] == daemons(f"debian{release}", "dovecot --version").split()[0].split("-")[0]


@pytest.mark.parametrize("target", EL_BUILT)
def test_versions_in_vars_match_the_el_daemons_built_from_source(rendered: Path, target: str) -> None:
    named = versions(rendered, target)
    assert named["postfix"] == daemons(target, "postconf -d -h mail_version").strip()
    assert named["dovecot"] == daemons(target, "dovecot --version").split()[0]


@pytest.mark.parametrize("host", [f"{target}{v}" for target in EL_BUILT for v in ("", "-guide")])
def test_el_daemons_accept_the_rendered_config_without_warnings(rendered: Path, host: str) -> None:
    # Postfix 2.10's postconf -M names what it does not know (e.g. $service_name, new in 2.11).
    target = host.removesuffix("-guide")
    script = f"""
        set -e
        {render_in_place(rendered, host)}
        for file in $(postconf -h smtpd_tls_cert_file smtpd_tls_key_file smtpd_tls_dh1024_param_file); do
            mkdir -p "$(dirname "$file")" && : >"$file"
        done
        warnings=$(postconf -n 2>&1 >/dev/null)
        [ -z "$warnings" ] || {{ echo "postconf -n: $warnings"; exit 1; }}
        warnings=$(postconf -M 2>&1 >/dev/null)
        [ -z "$warnings" ] || {{ echo "postconf -M: $warnings"; exit 1; }}
        postfix check
        for file in $(doveconf -h ssl_cert ssl_key | tr -d '<'); do
            mkdir -p "$(dirname "$file")" && : >"$file"
        done
        warnings=$(doveconf -n 2>&1 >/dev/null)
        [ -z "$warnings" ] || {{ echo "doveconf -n: $warnings"; exit 1; }}
        # Dovecot 2.2 makes its own DH group: 1024 bits unless told, below Mozilla's intermediate profile.
        case $(dovecot --version) in 2.2.*) [ "$(doveconf -h ssl_dh_parameters_length)" = 2048 ] ;; esac
    """
    daemons(target, script, mounts={rendered: "/render"})


@pytest.mark.parametrize("host", [f"debian{r}{v}" for r in DEBIAN_RELEASES for v in ("", "-guide")])
def test_debian_daemons_accept_the_rendered_config_without_warnings(rendered: Path, host: str) -> None:
    # The certificate files must exist for doveconf; their content does not matter to it.
    script = f"""
        set -e
        {render_in_place(rendered, host)}
        install -m 0644 /dev/null /etc/ssl/certs/postdove-mail.pem
        install -m 0600 /dev/null /etc/ssl/private/postdove-mail.key
        cp /roles/mail_tls/files/ffdhe2048.pem /etc/ssl/certs/postdove-ffdhe2048.pem
        warnings=$(postconf -n 2>&1 >/dev/null)
        [ -z "$warnings" ] || {{ echo "$warnings"; exit 1; }}
        postconf -M >/dev/null
        postfix check
        [ "$(postmap -q test@hello.com regexp:/etc/postfix/postdove_sender_logins)" = test ]
        # An outside Authentication-Results header under this server's id is dropped, another's kept.
        checks=regexp:/etc/postfix/postdove_header_checks
        [ "$(postmap -q 'Authentication-Results: SERVER.hello.com; dkim=pass' $checks)" = IGNORE ]
        ! postmap -q 'Authentication-Results: server.hello.com.evil.example; dkim=pass' $checks
        ! postmap -q 'Authentication-Results: mx.example.net; dkim=pass' $checks
        case {host} in *-guide)
            [ "$(postmap -q info@hello.net hash:/etc/postfix/postdove_virtual)" = "test@hello.com, boss@example.net" ]
            [ "$(postmap -q @hello.org hash:/etc/postfix/postdove_virtual)" = "team@hello.com" ]
            moved=$(postmap -q olduser@hello.com hash:/etc/postfix/postdove_relocated_reply)
            [ "$moved" = "551 5.1.6 User has moved to newuser@example.org" ]
            relay="[smarthost.example.net]:587"
            [ "$(postmap -q "$relay" hash:/etc/postfix/postdove_tls_policy)" = encrypt ]
            [ "$(postmap -q "$relay" hash:/etc/postfix/postdove_relay_password)" = relayuser:example-relay-password ]
            [ "$(postmap -q partner.example hash:/etc/postfix/postdove_transport)" = "smtp:[mx.partner.example]:25" ]
            mailboxes=hash:/etc/postfix/postdove_virtual_mailboxes
            [ "$(postmap -q alice@hello.info $mailboxes)" = hello.info/alice/Maildir/ ]
            logins=regexp:/etc/postfix/postdove_sender_logins
            [ "$(postmap -q bob@hello.info $logins)" = bob@hello.info ]
            postconf -h smtpd_recipient_restrictions | grep -q "check_policy_service unix:private/quota-status"
            # OpenDKIM signs first, rspamd checks last (mail_inbound_checks).
            [ "$(postconf -h smtpd_milters)" = "unix:opendkim/opendkim.sock, unix:rspamd/rspamd.sock" ]
            [ "$(postconf -h non_smtpd_milters)" = unix:opendkim/opendkim.sock ]
            [ "$(postconf -h milter_default_action)" = tempfail ]
            # rspamd's verdict on a forgery of a p=reject domain, as Postfix refuses it.
            milter_checks=$(postconf -h milter_header_checks)
            header=$(printf 'Authentication-Results: server.hello.com;\n\tdmarc=fail reason="No valid SPF"')
            verdict=$(postmap -q "$header header.from=bank.example (policy=reject)" "$milter_checks")
            [ "$verdict" = "REJECT 5.7.1 rejected by DMARC policy for bank.example" ]
            ! postmap -q "$header header.from=shop.example (policy=none)" "$milter_checks"
        esac
        warnings=$(doveconf -n 2>&1 >/dev/null)
        [ -z "$warnings" ] || {{ echo "$warnings"; exit 1; }}
        case {host} in *-guide)
            # bob's own quota, alice's from her domain, in the form this Dovecot reads.
            users=/etc/dovecot/postdove-users
            case $(dovecot --version) in
                2.4*) grep -q "^bob@hello.info:.*:userdb_quota_storage_size=500M$" $users
                      grep -q "^alice@hello.info:.*:userdb_quota_storage_size=2G$" $users ;;
                *) grep -q "^bob@hello.info:.*:userdb_quota_rule=[*]:storage=500M$" $users
                   grep -q "^alice@hello.info:.*:userdb_quota_rule=[*]:storage=2G$" $users ;;
            esac
        esac
    """
    daemons(host.removesuffix("-guide"), script, mounts={rendered: "/render", PROJECT / "roles": "/roles"})


def render_in_place(rendered: Path, host: str) -> str:
    """Shell: `host`'s rendered Postfix and Dovecot files over the image's, its lookup tables built
    in the target's map type (the render is mounted at /render)."""
    table_type = versions(rendered, host)["db_type"]
    return "\n".join(
        [
            f"cp /render/{host}/postfix/* /etc/postfix/",
            f"cp -r /render/{host}/dovecot/. /etc/dovecot/",
            f"for table in {' '.join(LOOKUP_TABLES)}; do postmap {table_type}:/etc/postfix/$table; done",
        ]
    )


def daemons(target: str, script: str, mounts: dict[Path, str] | None = None) -> str:
    """Run a shell script in the lab image that has this target's Postfix and Dovecot (debian12, el7, ...)."""
    volumes = [arg for host, guest in (mounts or {}).items() for arg in ("-v", f"{host}:{guest}:ro")]
    image = os.environ[f"POSTDOVE_DAEMONS_IMAGE_{target.upper()}"]
    if target in EL_BUILT and subprocess.run(["podman", "image", "exists", image]).returncode != 0:
        pytest.skip(f"{image} is not built: tools/setup builds it where the EL sources are (POSTDOVE_EL_SOURCES)")
    result = containers.run_in_image(image, script, volumes)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
