"""Filters for the DNS records: the certificate key hash (TLSA 3 1 1) and the DKIM keys' records.

DKIM keys given in the inventory (mail_dkim_private_keys, best from vault) are
checked by the mail role before any change (dkim_key_problems); mail_dkim
writes each, and beside it the TXT record opendkim-genkey would have written
(dkim_txt_record), which mail_dns reads as it reads a made key's. Messages
name keys by their DNS names and never show key material.

Unit-tested in tests/test_dns_records.py.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from typing import Any

# cryptography is imported inside the functions that use it: Ansible loads this
# file in every task's worker, and the import costs ~5 ms each, ~0.2 s a re-run.

# A provided key's name: the DNS name its TXT record is published under.
DKIM_KEY_NAME = re.compile(r"^(?P<selector>[^.]+)\._domainkey\.(?P<domain>.+)$")
# A key kind -> how messages name it, and the variable listing the selectors that sign with it.
KEY_KINDS = {"rsa": ("RSA", "mail_dkim_selectors"), "ed25519": ("Ed25519", "mail_dkim_ed25519_selectors")}


def spki_sha256(pem: str) -> str:
    """SHA-256 of the first certificate's SubjectPublicKeyInfo, hex; "" for no certificate (DANE-EE SPKI SHA-256)."""
    if "-----BEGIN CERTIFICATE-----" not in pem:
        return ""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    certificate = x509.load_pem_x509_certificate(pem.encode())
    spki = certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def dkim_public_key(record: str) -> str:
    """The p= value of the TXT record opendkim-genkey writes beside a key (its quoted strings joined)."""
    joined = "".join(re.findall(r'"([^"]*)"', record))
    match = re.search(r"(?:^|;)\s*p=([A-Za-z0-9+/=]+)", joined)
    return match.group(1) if match else ""


def dkim_keys_facts(keys: list[list[str]], contents: dict[str, str], keys_dir: str) -> list[dict[str, str]]:
    """The keys ([domain, selector]) whose TXT file the host has, as the facts file records them.

    `contents`: file_states' base64 contents, by path (<keys_dir>/<domain>/<selector>.txt).
    """
    facts = []
    for domain, selector in keys:
        encoded = contents.get(f"{keys_dir}/{domain}/{selector}.txt")
        if encoded is None:
            continue  # check mode on a bare host: no key yet
        record = base64.b64decode(encoded).decode()
        algorithm = "ed25519" if "k=ed25519" in record.replace(" ", "") else "rsa"
        facts.append(
            {"domain": domain, "selector": selector, "algorithm": algorithm, "public_key": dkim_public_key(record)}
        )
    return facts


def _public_key(pem: str) -> tuple[str, str]:
    """A private key in PEM -> (its kind, DKIM's p=): RSA's base64 DER SubjectPublicKeyInfo, ed25519's raw 32 bytes."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    key = load_pem_private_key(pem.encode(), password=None)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519", base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    if isinstance(key, rsa.RSAPrivateKey):
        der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return "rsa", base64.b64encode(der).decode()
    raise TypeError("neither an RSA nor an Ed25519 key")


def _published_keys(slurped: list[dict[str, Any]]) -> dict[str, str]:
    """Key name -> p= of the TXT records found on the host (slurp results, item: the key's name)."""
    return {
        result["item"]: dkim_public_key(base64.b64decode(result["content"]).decode())
        for result in slurped
        if "content" in result
    }


def dkim_key_problems(
    keys: dict[str, Any],
    selectors: list[str],
    domains: list[str],
    slurped: list[dict[str, Any]],
    ed25519_selectors: list[str] | None = None,
) -> list[str]:
    """What is wrong with each provided key: its name, its kind, its PEM, or a host's published key it would replace."""
    from cryptography.exceptions import UnsupportedAlgorithm

    published = _published_keys(slurped)
    ed25519_selectors = ed25519_selectors or []
    problems = []
    for name, pem in keys.items():
        match = DKIM_KEY_NAME.match(str(name))
        if not match or match["selector"] not in selectors + ed25519_selectors or match["domain"] not in domains:
            listed = ", ".join(selectors + ed25519_selectors) or "none"
            problems.append(
                f"'{name}' is not <selector>._domainkey.<domain> for a selector in mail_dkim_selectors or"
                f" mail_dkim_ed25519_selectors ({listed}) and a mail domain ({', '.join(domains)})"
            )
            continue
        wanted = "ed25519" if match["selector"] in ed25519_selectors else "rsa"
        try:
            kind, public = _public_key(str(pem))
        except (TypeError, ValueError, UnsupportedAlgorithm):
            kind = ""
        if kind != wanted:
            display, listing = KEY_KINDS[wanted]
            problems.append(
                f"'{name}' is not an unencrypted {display} private key in PEM (BEGIN PRIVATE KEY),"
                f" as its selector, in {listing}, needs"
            )
            continue
        if published.get(name, public) != public:
            problems.append(
                f"'{name}' is not the key this host already publishes for that selector; to change keys,"
                " add a new selector (key rotation), or remove the old key file on the host first"
            )
    return problems


def dkim_txt_record(pem: str, name: str) -> str:
    """The TXT record opendkim-genkey writes beside a key (or the ed25519 task, k=ed25519), for the key `name`."""
    match = DKIM_KEY_NAME.match(name)
    if not match:
        raise ValueError(f"{name} is not <selector>._domainkey.<domain>")
    kind, public = _public_key(pem)
    tags = "v=DKIM1; h=sha256; k=rsa; " if kind == "rsa" else "v=DKIM1; k=ed25519; "
    strings = " ".join(f'"{public[i : i + 250]}"' for i in range(0, len(public), 250))
    return (
        f'{match["selector"]}._domainkey\tIN\tTXT\t( "{tags}" "p=" {strings} )'
        f"  ; ----- DKIM key {match['selector']} for {match['domain']}, provided\n"
    )


def not_ip_addresses(values: list[Any]) -> list[str]:
    """The values that are not an IPv4 or IPv6 address (a regular expression lets 999.1.2.3 through)."""
    wrong = []
    for value in values:
        try:
            ipaddress.ip_address(str(value))
        except ValueError:
            wrong.append(str(value))
    return wrong


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {
            "dkim_keys_facts": dkim_keys_facts,
            "dkim_key_problems": dkim_key_problems,
            "dkim_public_key": dkim_public_key,
            "not_ip_addresses": not_ip_addresses,
            "dkim_txt_record": dkim_txt_record,
            "spki_sha256": spki_sha256,
        }
