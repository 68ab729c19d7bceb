"""postdove dns: the records from a server's facts file (postdove/dns/), and the TLSA hash filter."""

from __future__ import annotations

import base64
import datetime
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from postdove.cli import main
from postdove.dns.facts import FactsError, parse_facts
from postdove.dns.records import domain_records, host_records, problems, txt
from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("dns_records", PROJECT / "plugins/filter/dns_records.py")
assert _spec and _spec.loader
_filters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_filters)

FACTS = {
    "hostname": "server.hello.com",
    "ehlo_name": "server.hello.com",
    "addresses": ["192.0.2.10", "2001:db8::10"],
    "domains": ["hello.com", "hello.info"],
    "services": ["submissions", "submission", "imaps"],
    "tlsa_25": "AB" * 32,
    "spf": "v=spf1 mx -all",
    "dmarc_policy": "none",
    "dmarc_rua": "dmarc@hello.com",
    "tls_rpt_rua": "",
    "dkim": [],
}


def records(data=FACTS, domain="hello.com"):
    facts = parse_facts(data, "test")
    return {(r.name, r.type): r.data for r in host_records(facts) + domain_records(facts, domain)}


def test_the_records_of_a_server_and_one_of_its_domains():
    got = records()
    assert got[("hello.com.", "MX")] == "10 server.hello.com."
    assert got[("server.hello.com.", "A")] == "192.0.2.10"
    assert got[("server.hello.com.", "AAAA")] == "2001:db8::10"
    assert got[("10.2.0.192.in-addr.arpa.", "PTR")] == "server.hello.com."
    assert got[("hello.com.", "TXT")] == '"v=spf1 mx -all"'
    assert got[("_dmarc.hello.com.", "TXT")] == '"v=DMARC1; p=none; rua=mailto:dmarc@hello.com"'
    assert got[("_25._tcp.server.hello.com.", "TLSA")] == "3 1 1 " + "ab" * 32
    assert got[("_submissions._tcp.hello.com.", "SRV")] == "0 1 465 server.hello.com."
    assert got[("_imaps._tcp.hello.com.", "SRV")] == "0 1 993 server.hello.com."
    # RFC 6186: a service that is off is said so, so clients do not guess.
    assert got[("_pop3s._tcp.hello.com.", "SRV")] == "0 0 0 ."
    assert ("_smtp._tls.hello.com.", "TXT") not in got


def test_a_dkim_key_is_split_into_strings_of_at_most_255_bytes():
    key = base64.b64encode(b"k" * 294).decode()  # as long as a 2048-bit RSA key
    data = {**FACTS, "dkim": [{"domain": "hello.com", "selector": "s2026", "algorithm": "rsa", "public_key": key}]}
    record = records(data)[("s2026._domainkey.hello.com.", "TXT")]
    strings = [part.strip('"') for part in record.split('" "')]
    assert all(len(part.encode()) <= 255 for part in strings) and len(strings) == 2
    assert "".join(strings) == f"v=DKIM1; k=rsa; p={key}"


def test_txt_escapes_quotes_and_backslashes():
    assert txt('a"b\\c') == '"a\\"b\\\\c"'


def test_tls_rpt_when_asked_for():
    assert records({**FACTS, "tls_rpt_rua": "tls@hello.com"})[("_smtp._tls.hello.com.", "TXT")] == (
        '"v=TLSRPTv1; rua=mailto:tls@hello.com"'
    )


def test_a_report_address_may_be_given_as_a_mailto_uri():
    assert records({**FACTS, "dmarc_rua": "mailto:dmarc@hello.com"})[("_dmarc.hello.com.", "TXT")] == (
        '"v=DMARC1; p=none; rua=mailto:dmarc@hello.com"'
    )


def test_a_bad_address_is_named_with_the_variable_to_fix(tmp_path, capsys):
    with pytest.raises(FactsError, match=r"'192\.0\.2\.300' is not an IP address; fix mail_dns_addresses"):
        parse_facts({**FACTS, "addresses": ["192.0.2.300"]}, "f.json")
    (tmp_path / "server.json").write_text(json.dumps({**FACTS, "addresses": ["mail.hello.com"]}))
    assert main(["dns", str(tmp_path)]) == 2
    assert "'mail.hello.com' is not an IP address" in capsys.readouterr().err


def test_not_ip_addresses_lets_only_addresses_through():
    assert _filters.not_ip_addresses(["192.0.2.10", "2001:db8::10", "999.1.2.3", "server"]) == ["999.1.2.3", "server"]


def test_what_would_stop_other_servers_trusting_it_is_named():
    found = problems(parse_facts({**FACTS, "ehlo_name": "mail.example.net", "addresses": ["10.0.0.5"]}, "t"))
    assert any("greets as mail.example.net" in problem for problem in found)
    assert any("10.0.0.5 is not a public address" in problem for problem in found)


def test_a_facts_file_missing_a_field_is_named():
    with pytest.raises(FactsError, match="'hostname' is missing"):
        parse_facts({**FACTS, "hostname": ""}, "f.json")
    with pytest.raises(FactsError, match="unknown services"):
        parse_facts({**FACTS, "services": ["smtps"]}, "f.json")


def test_the_command_prints_a_zone_fragment_and_json_for_fifty_domains(tmp_path, capsys):
    domains = [f"d{n}.example" for n in range(50)]
    (tmp_path / "server.json").write_text(json.dumps({**FACTS, "domains": domains}))
    start = time.perf_counter()
    assert main(["dns", str(tmp_path)]) == 0
    assert time.perf_counter() - start < 2
    zone = capsys.readouterr().out
    assert zone.count(" IN MX ") == 50
    assert re.search(r"^d49\.example\.\s+3600 IN MX\s+10 server\.hello\.com\.$", zone, re.MULTILINE), zone[-800:]
    assert main(["dns", str(tmp_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sum(1 for record in listed if record["type"] == "SRV") == 200


def test_the_command_says_what_to_do_without_facts(tmp_path, capsys):
    assert main(["dns", str(tmp_path)]) == 2
    assert "run site.yml first" in capsys.readouterr().err


def test_the_tlsa_hash_is_of_the_certificates_public_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "server.hello.com")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert _filters.spki_sha256(pem) == hashlib.sha256(spki).hexdigest()
    assert _filters.spki_sha256("") == ""


def test_the_dkim_public_key_is_read_from_opendkim_genkeys_record():
    record = (
        'mail._domainkey\tIN\tTXT\t( "v=DKIM1; h=sha256; k=rsa; "\n\t  "p=MIIBIjAN"\n\t  "BgkqhkiG9w0B" )'
        "  ; ----- DKIM key mail for hello.com"
    )
    assert _filters.dkim_public_key(record) == "MIIBIjANBgkqhkiG9w0B"
    contents = {"/etc/opendkim/keys/hello.com/mail.txt": base64.b64encode(record.encode()).decode()}
    keys = [["hello.com", "mail"], ["hello.com", "absent"]]
    # A key without its file (check mode on a bare host) is left out.
    assert _filters.dkim_keys_facts(keys, contents, "/etc/opendkim/keys") == [
        {"domain": "hello.com", "selector": "mail", "algorithm": "rsa", "public_key": "MIIBIjANBgkqhkiG9w0B"}
    ]


def _rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _slurped_record(name: str, pem: str) -> dict[str, str]:
    """A host's TXT file for `name` as slurp returns it."""
    return {"item": name, "content": base64.b64encode(_filters.dkim_txt_record(pem, name).encode()).decode()}


def test_a_given_dkim_keys_record_carries_its_public_key():
    pem = _rsa_pem()
    record = _filters.dkim_txt_record(pem, "mail._domainkey.hello.com")
    public = serialization.load_pem_private_key(pem.encode(), None).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert _filters.dkim_public_key(record) == base64.b64encode(der).decode()
    # Strings of at most 255 bytes, as in a zone file.
    assert max(len(part) for part in re.findall(r'"([^"]*)"', record)) <= 255
    assert record.startswith("mail._domainkey\tIN\tTXT\t")


def test_given_dkim_keys_are_checked_by_name_kind_and_published_key():
    pem, other = _rsa_pem(), _rsa_pem()
    selectors, domains = ["mail"], ["hello.com", "hello.org"]
    name = "mail._domainkey.hello.com"
    assert _filters.dkim_key_problems({name: pem}, selectors, domains, []) == []
    # The host publishes this very key: fine; another one: refused.
    assert _filters.dkim_key_problems({name: pem}, selectors, domains, [_slurped_record(name, pem)]) == []
    (replaces,) = _filters.dkim_key_problems({name: pem}, selectors, domains, [_slurped_record(name, other)])
    assert "is not the key this host already publishes" in replaces
    # A file the host does not have: slurp's result has no content.
    assert _filters.dkim_key_problems({name: pem}, selectors, domains, [{"item": name, "failed": True}]) == []
    (wrong_name,) = _filters.dkim_key_problems({"old._domainkey.hello.com": pem}, selectors, domains, [])
    assert wrong_name.startswith("'old._domainkey.hello.com' is not <selector>._domainkey.<domain>")
    (other_domain,) = _filters.dkim_key_problems({"mail._domainkey.example.net": pem}, selectors, domains, [])
    assert "a mail domain (hello.com, hello.org)" in other_domain
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for bad in ("not a key", pem.replace("PRIVATE", "PUBLIC"), ec_key.decode()):
        (problem,) = _filters.dkim_key_problems({name: bad}, selectors, domains, [])
        assert problem == (
            f"'{name}' is not an unencrypted RSA private key in PEM (BEGIN PRIVATE KEY),"
            " as its selector, in mail_dkim_selectors, needs"
        )
        assert "MII" not in problem


def _ed25519_pem():
    return (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def test_a_given_ed25519_keys_record_carries_its_raw_public_key():
    pem = _ed25519_pem()
    record = _filters.dkim_txt_record(pem, "ed._domainkey.hello.com")
    raw = serialization.load_pem_private_key(pem.encode(), None).public_key().public_bytes_raw()
    # RFC 8463: p= is the 32-byte key itself, not a SubjectPublicKeyInfo.
    assert _filters.dkim_public_key(record) == base64.b64encode(raw).decode()
    contents = {"/k/hello.com/ed.txt": base64.b64encode(record.encode()).decode()}
    assert _filters.dkim_keys_facts([["hello.com", "ed"]], contents, "/k")[0]["algorithm"] == "ed25519"


def test_a_given_key_must_be_of_its_selectors_kind():
    rsa_pem, ed_pem = _rsa_pem(), _ed25519_pem()
    domains = ["hello.com"]

    def problems(keys, published=()):
        return _filters.dkim_key_problems(keys, ["mail"], domains, list(published), ["ed"])

    assert problems({"mail._domainkey.hello.com": rsa_pem, "ed._domainkey.hello.com": ed_pem}) == []
    (ed_as_rsa,) = problems({"mail._domainkey.hello.com": ed_pem})
    assert "not an unencrypted RSA private key" in ed_as_rsa and "in mail_dkim_selectors" in ed_as_rsa
    (rsa_as_ed,) = problems({"ed._domainkey.hello.com": rsa_pem})
    assert "not an unencrypted Ed25519 private key" in rsa_as_ed and "in mail_dkim_ed25519_selectors" in rsa_as_ed
    # The host's own ed25519 record (made by the role) is compared as for RSA.
    name = "ed._domainkey.hello.com"
    assert problems({name: ed_pem}, [_slurped_record(name, ed_pem)]) == []
    (replaces,) = problems({name: ed_pem}, [_slurped_record(name, _ed25519_pem())])
    assert "is not the key this host already publishes" in replaces


def test_the_records_beside_an_inventory_are_not_read_as_inventory(tmp_path):
    """mail_dns_records_dir defaults to <inventory_dir>/postdove-dns; -i naming that directory must not parse them."""
    inventory = tmp_path / "inventory"
    (inventory / "postdove-dns").mkdir(parents=True)
    (inventory / "hosts.yml").write_text("all:\n  hosts:\n    server:\n")
    (inventory / "postdove-dns" / "server.json").write_text(json.dumps(FACTS))
    listed = subprocess.run(
        [sys.executable, "-m", "ansible.cli.inventory", "-i", f"{inventory}/", "--list"],
        cwd=PROJECT,
        env={**os.environ, "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "server" in json.loads(listed.stdout)["ungrouped"]["hosts"]
    assert "WARNING" not in listed.stderr, listed.stderr


def test_mta_sts_publishes_a_record_whose_id_names_the_policy(tmp_path, capsys):
    data = {**FACTS, "mta_sts_mode": "testing", "mta_sts_max_age": 86400}
    (tmp_path / "server.json").write_text(json.dumps(data))
    assert main(["dns", str(tmp_path), "--mta-sts-dir", str(tmp_path / "web")]) == 0
    zone = capsys.readouterr().out
    policy = (tmp_path / "web/mta-sts.hello.com/.well-known/mta-sts.txt").read_text()
    # RFC 8461 3.2: the version first; the mode; each MX host; max_age in seconds.
    assert policy == "version: STSv1\nmode: testing\nmx: server.hello.com\nmax_age: 86400\n"
    found = re.search(r'^_mta-sts\.hello\.com\.\s+3600 IN TXT\s+"v=STSv1; id=([A-Za-z0-9]{1,32})"', zone, re.MULTILINE)
    assert found, zone
    # The id changes exactly when the policy does: senders fetch again only then.
    assert found.group(1) == hashlib.sha256(policy.encode()).hexdigest()[:20]
    assert "https://mta-sts.hello.com/.well-known/mta-sts.txt" in zone
    assert (tmp_path / "web/mta-sts.hello.info/.well-known/mta-sts.txt").exists()


def test_no_mta_sts_record_unless_asked_for(tmp_path, capsys):
    (tmp_path / "server.json").write_text(json.dumps(FACTS))
    assert main(["dns", str(tmp_path), "--mta-sts-dir", str(tmp_path / "web")]) == 0
    captured = capsys.readouterr()
    assert "_mta-sts" not in captured.out and not (tmp_path / "web").exists()
    assert "set mail_dns_mta_sts_mode" in captured.err


def test_an_mta_sts_policy_lists_every_server_of_its_domain(tmp_path, capsys):
    second = {**FACTS, "hostname": "backup.hello.com", "ehlo_name": "backup.hello.com", "domains": ["hello.com"]}
    (tmp_path / "a.json").write_text(json.dumps({**FACTS, "mta_sts_mode": "enforce"}))
    (tmp_path / "b.json").write_text(json.dumps({**second, "mta_sts_mode": "enforce"}))
    assert main(["dns", str(tmp_path), "--mta-sts-dir", str(tmp_path / "web")]) == 0
    policy = (tmp_path / "web/mta-sts.hello.com/.well-known/mta-sts.txt").read_text()
    assert "mx: server.hello.com\nmx: backup.hello.com\n" in policy
    # One policy, so one id, whichever server's section prints the record.
    assert len(set(re.findall(r"_mta-sts\.hello\.com\..*id=(\w+)", capsys.readouterr().out))) == 1
    (tmp_path / "b.json").write_text(json.dumps({**second, "mta_sts_mode": "testing"}))
    assert main(["dns", str(tmp_path)]) == 2
    assert "give mail_dns_mta_sts_mode and mail_dns_mta_sts_max_age the same values" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mta_sts_mode": "strict"}, "mail_dns_mta_sts_mode 'strict' is not one of none, testing, enforce"),
        ({"mta_sts_mode": "testing", "mta_sts_max_age": 60}, "mail_dns_mta_sts_max_age 60 must be seconds"),
        ({"mta_sts_mode": "testing", "mta_sts_max_age": 31557601}, "mail_dns_mta_sts_max_age 31557601"),
    ],
)
def test_a_bad_mta_sts_setting_is_named(changes, message):
    with pytest.raises(FactsError, match=re.escape(message)):
        parse_facts({**FACTS, **changes}, "f.json")
