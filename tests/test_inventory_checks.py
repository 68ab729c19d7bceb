"""Bad inventories fail in mail, before any role changes the host, naming the variable.

The cases run the real playbook once, each as its own host on this controller
(connection local), in check mode, so even a check that wrongly passed could
not change anything.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from postdove.testing.ansible import Result, run_playbook
from postdove.testing.project import PROJECT
from postdove.testing.proof_log import record

GOOD: dict[str, Any] = {
    "mail_domain": "hello.com",
    "mail_hostname": "server.hello.com",
    "mail_hosts_entries": [{"ip": "192.0.2.10", "names": ["server.hello.com", "server"]}],
    "mail_users": [{"name": "test", "password": "pw-test"}, {"name": "hello", "password": "pw-hello"}],
    "mail_networks": ["127.0.0.0/8"],
    "mail_tls_mode": "selfsigned",
    "mail_delivery": "local",
}


def without(key: str) -> dict[str, Any]:
    inventory = copy.deepcopy(GOOD)
    del inventory[key]
    return inventory


def with_(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(GOOD), **changes}


CASES = [
    ("missing domain", without("mail_domain"), "mail_domain"),
    ("domain without a dot", with_(mail_domain="hello"), "mail_domain 'hello' is not a domain name"),
    ("domain with a space", with_(mail_domain="hello .com"), "mail_domain 'hello .com'"),
    ("hostname not qualified", with_(mail_hostname="server"), "mail_hostname 'server' is not a fully qualified"),
    ("users not a list", with_(mail_users={"name": "test"}), "mail_users"),
    ("user without password", with_(mail_users=[{"name": "test"}]), "user 'test' needs exactly one of 'password'"),
    (
        "user with both secrets",
        with_(mail_users=[{"name": "test", "password": "x", "password_hash": "$6$a$b"}]),
        "user 'test' needs exactly one of",
    ),
    (
        "password hash not crypt",
        with_(mail_users=[{"name": "test", "password_hash": "plaintext"}]),
        "user 'test' needs exactly one of",
    ),
    (
        "duplicate user",
        with_(mail_users=[{"name": "test", "password": "a"}, {"name": "test", "password": "b"}]),
        "mail_users: 'test' must be a unique user name",
    ),
    ("reserved user", with_(mail_users=[{"name": "root", "password": "a"}]), "mail_users: 'root' must be"),
    ("unknown tls mode", with_(mail_tls_mode="letsencrypt"), "mail_tls_mode"),
    ("provided tls without files", with_(mail_tls_mode="provided"), "mail_tls_mode is 'provided', so mail_tls_cert"),
    (
        "provided tls missing file",
        with_(mail_tls_mode="provided", mail_tls_cert="/nonexistent/cert.pem", mail_tls_key="/nonexistent/key.pem"),
        "mail_tls_cert ('/nonexistent/cert.pem')",
    ),
    ("unknown delivery", with_(mail_delivery="mbox"), "mail_delivery"),
    ("bad network", with_(mail_networks=["my office"]), "mail_networks: 'my office'"),
    (
        "bad hosts entry",
        with_(mail_hosts_entries=[{"ip": "server", "names": ["x.hello.com"]}]),
        "mail_hosts_entries: 'server'",
    ),
    ("unknown socket mode", with_(mail_auth_socket_mode="0777"), "mail_auth_socket_mode"),
    ("role option of wrong type", with_(postfix_maincf_extra=["message_size_limit=1"]), "postfix_maincf_extra"),
    ("no mailbox protocol", with_(mail_mailbox_protocols=[]), "mail_mailbox_protocols is empty"),
    ("unknown mailbox protocol", with_(mail_mailbox_protocols=["imap", "jmap"]), "mail_mailbox_protocols"),
    ("unknown firewall", with_(mail_firewall="iptables"), "mail_firewall"),
    ("misspelt variable", with_(mail_tls_mdoe="provided"), "mail_tls_mdoe: not an option of any postdove role"),
    ("unknown user option", with_(mail_users=[{"name": "test", "pasword": "x"}]), "pasword"),
    ("number as text", with_(postfix_auth_rate_limit="ten"), "postfix_auth_rate_limit"),
    (
        "alias to an unknown user",
        with_(mail_aliases={"team": ["test", "bob"]}),
        "mail_aliases.team: 'bob' is neither a user in mail_users nor an alias",
    ),
    ("alias loop", with_(mail_aliases={"a": ["b"], "b": ["a"]}), "mail_aliases: a -> b -> a is a loop"),
    ("unknown postmaster", with_(mail_postmaster="bob"), "mail_postmaster 'bob' is neither a user"),
    (
        "virtual alias in the mail domain",
        with_(mail_virtual_aliases={"info@hello.com": ["test"]}),
        "mail_virtual_aliases: 'info@hello.com' is in hello.com, which the server already delivers locally",
    ),
    (
        "virtual alias to an unknown user",
        with_(mail_virtual_aliases={"info@hello.org": ["bob"]}),
        "mail_virtual_aliases.info@hello.org: 'bob' is neither a user",
    ),
    (
        "mail removal without the account's",
        with_(mail_users=[{"name": "test", "password": "a", "remove_mail": True}]),
        "mail_users: user 'test' has remove_mail but not state: absent",
    ),
    (
        "external MDA with LMTP",
        with_(mail_delivery="lmtp", mail_mailbox_command="/usr/bin/procmail"),
        "mail_mailbox_command is set, but mail_delivery is 'lmtp'",
    ),
    (
        "relocated address that is still a user",
        with_(mail_relocated={"hello@hello.com": "hello@example.org"}),
        "mail_relocated: hello@hello.com is defined twice",
    ),
    (
        "relocated to no address",
        with_(mail_relocated={"olduser@hello.com": "gone"}),
        "mail_relocated: 'olduser@hello.com: gone' must map an address",
    ),
    (
        "virtual user outside its domain",
        with_(mail_virtual_domains={"hello.info": {"users": [{"address": "alice@hello.biz", "password": "x"}]}}),
        "mail_virtual_domains.hello.info: 'alice@hello.biz' is outside hello.info",
    ),
    (
        "virtual mailbox domain that is mail_domain",
        with_(mail_virtual_domains={"hello.com": {"users": [{"address": "alice@hello.com", "password": "x"}]}}),
        "hello.com is delivered to system users already",
    ),
    (
        "virtual mailbox domain that is also a virtual alias domain",
        with_(
            mail_virtual_domains={"hello.info": {"users": [{"address": "alice@hello.info", "password": "x"}]}},
            mail_virtual_aliases={"info@hello.info": ["test"]},
        ),
        "hello.info is also a virtual alias domain",
    ),
    (
        "virtual user defined twice",
        with_(
            mail_virtual_domains={
                "hello.info": {
                    "users": [
                        {"address": "alice@hello.info", "password": "x"},
                        {"address": "alice@hello.info", "password": "y"},
                    ]
                }
            }
        ),
        "'alice@hello.info' is defined twice",
    ),
    (
        "quota that is not a size",
        with_(
            mail_virtual_domains={
                "hello.info": {"users": [{"address": "alice@hello.info", "password": "x", "quota": "lots"}]}
            }
        ),
        "user 'alice@hello.info' quota: 'lots' is not a size; give bytes or a number and K, M, G or T",
    ),
    (
        "quota warning above 100%",
        with_(mail_quota_warning_percent=150),
        "mail_quota_warning_percent is 150: give a percentage of the quota",
    ),
    (
        "smarthost written as a URL",
        with_(mail_relayhost="smtp://smtp.provider.example:587"),
        "mail_relayhost 'smtp://smtp.provider.example:587' must be host, [host] or [host]:port",
    ),
    (
        "smarthost on port 465",
        with_(mail_relayhost="[smtp.provider.example]:465"),
        "port 465 (TLS from the first byte) is not supported",
    ),
    (
        "smarthost login without a password",
        with_(mail_relayhost="[smtp.provider.example]:587", mail_relayhost_username="me"),
        "mail_relayhost_username and mail_relayhost_password go together",
    ),
    (
        "route through a transport master.cf lacks",
        with_(mail_transport_maps={"partner.example": "smtps:[mx.partner.example]"}),
        "mail_transport_maps: 'partner.example: smtps:[mx.partner.example]' must map a domain",
    ),
    (
        "DKIM selector that is no DNS label",
        with_(mail_dkim_selectors=["mail/2026"]),
        "mail_dkim_selectors: 'mail/2026' must be a unique DNS label",
    ),
    ("DKIM selector twice", with_(mail_dkim_selectors=["mail", "mail"]), "mail_dkim_selectors: 'mail' must be"),
    (
        "ed25519 DKIM selector without an RSA one",
        with_(mail_dkim_ed25519_selectors=["ed2026"]),
        "mail_dkim_ed25519_selectors: 'ed2026' must be a DNS label used by no other selector",
    ),
    (
        "ed25519 DKIM selector that is also an RSA one",
        with_(mail_dkim_selectors=["mail"], mail_dkim_ed25519_selectors=["mail"]),
        "mail_dkim_ed25519_selectors: 'mail' must be a DNS label used by no other selector",
    ),
    (
        "given DKIM key that is no private key",
        with_(mail_dkim_selectors=["mail"], mail_dkim_private_keys={"mail._domainkey.hello.com": "ssh-rsa AAAA"}),
        "mail_dkim_private_keys: 'mail._domainkey.hello.com' is not an unencrypted RSA private key in PEM",
    ),
    (
        "given DKIM key of the wrong kind for an ed25519 selector",
        with_(
            mail_dkim_selectors=["mail"],
            mail_dkim_ed25519_selectors=["ed"],
            mail_dkim_private_keys={"ed._domainkey.hello.com": "ssh-ed25519 AAAA"},
        ),
        "mail_dkim_private_keys: 'ed._domainkey.hello.com' is not an unencrypted Ed25519 private key in PEM",
    ),
    (
        "given DKIM key for a selector not listed",
        with_(mail_dkim_selectors=["mail"], mail_dkim_private_keys={"mail2025._domainkey.hello.com": "x"}),
        "mail_dkim_private_keys: 'mail2025._domainkey.hello.com' is not <selector>._domainkey.<domain>",
    ),
    (
        "DNS address that is no address",
        with_(mail_dns_addresses=["192.0.2.300"]),
        "mail_dns_addresses: 192.0.2.300 is not an IPv4 or IPv6 address",
    ),
    (
        "a resolver by name",
        with_(mail_inbound_nameservers=["dns.example"]),
        "mail_inbound_nameservers: dns.example is not an IPv4 or IPv6 address",
    ),
    (
        "DMARC reports to a web address",
        with_(mail_dns_dmarc_rua="https://reports.example/dmarc"),
        "mail_dns_dmarc_rua 'https://reports.example/dmarc' is not a mailto: URI or an address",
    ),
    (
        "TLS-RPT reports to no address",
        with_(mail_dns_tls_rpt_rua="tls-reports"),
        "mail_dns_tls_rpt_rua 'tls-reports' is not a mailto: URI",
    ),
    (
        "MTA-STS enforce with a self-signed certificate",
        with_(mail_dns_mta_sts_mode="enforce"),
        "enforce needs a certificate other servers can verify, and with mail_tls_mode selfsigned",
    ),
    (
        "MTA-STS max_age of a minute",
        with_(mail_dns_mta_sts_mode="testing", mail_dns_mta_sts_max_age=60),
        "mail_dns_mta_sts_max_age 60 is not seconds from 86400",
    ),
    (
        "ACME without a contact",
        with_(mail_tls_mode="acme", mail_tls_acme_agree_tos=True),
        "mail_tls_mode is 'acme': set mail_tls_acme_email",
    ),
    (
        "ACME without the terms accepted",
        with_(mail_tls_mode="acme", mail_tls_acme_email="hostmaster@hello.com"),
        "mail_tls_acme_agree_tos: true once you accept",
    ),
]


def check_inventory(
    tmp_path: Path,
    host_vars: dict[str, dict[str, Any]],
    playbook: Path = PROJECT / "site.yml",
) -> Result:
    """Run `playbook` in check mode on this controller, once, as one local host per inventory."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    (tmp_path / "host_vars").mkdir()
    for host, inventory_vars in host_vars.items():
        (tmp_path / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump({**local, **inventory_vars}))
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"mailservers": {"hosts": dict.fromkeys(host_vars)}}))
    env = {
        "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_CALLBACK_FORMAT_PRETTY": "false",
        "ANSIBLE_FORKS": "8",
    }
    return run_playbook(tmp_path / "hosts.yml", playbook, "--check", env=env, timeout=600)


def host_report(output: str, host: str) -> tuple[str, str]:
    """`host`'s failure reports and its PLAY RECAP line, from the output of a run over many hosts."""
    lines = output.splitlines()
    failures = "\n".join(line for line in lines if line.startswith((f"fatal: [{host}]", f"failed: [{host}]")))
    recap = next((line for line in lines if line.split(" ", 1)[0] == host), "")
    return failures, recap


@pytest.fixture(scope="module")
def bad_inventories_run(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """Every bad inventory in one run (one host each): a run per case would cost ~4 s of start-up each."""
    tmp_path = tmp_path_factory.mktemp("bad-inventories")
    return check_inventory(tmp_path, {f"case{index}": case[1] for index, case in enumerate(CASES)})


@pytest.mark.parametrize(("index", "message"), [(i, c[2]) for i, c in enumerate(CASES)], ids=[c[0] for c in CASES])
def test_bad_inventory_fails_before_any_change(bad_inventories_run: Result, index: int, message: str) -> None:
    output = bad_inventories_run.stdout + bad_inventories_run.stderr
    failures, recap = host_report(output, f"case{index}")
    refused = "failed=1" in recap and message in failures
    record("bad input", f"inventory: {message}", "refused" if refused else "not refused", refused)
    assert "failed=1" in recap, f"got no failure, want one naming {message!r}:\n{recap or output[-3000:]}"
    assert message in failures, f"want {message!r} in:\n{failures or output[-3000:]}"
    assert "changed=0" in recap
    assert "mail_host : Ensure" not in output, "a role ran before the inventory was checked"


def test_good_inventory_passes_the_checks(tmp_path):
    """The guide's values pass every check (only mail runs: this controller is no mail server)."""
    playbook = tmp_path / "checks.yml"
    playbook.write_text(
        yaml.safe_dump(
            [{"name": "Check the inventory", "hosts": "mailservers", "gather_subset": ["!all"], "roles": ["mail"]}]
        )
    )
    result = check_inventory(tmp_path, {"preflight": GOOD}, playbook)
    assert result.returncode == 0, result.stdout[-3000:]
