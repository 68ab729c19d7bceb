"""Filters for the mail_dns role: the certificate key hash (TLSA 3 1 1) and the DKIM public keys.

Unit-tested in tests/test_dns_filters.py.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def spki_sha256(pem: str) -> str:
    """SHA-256 of the first certificate's SubjectPublicKeyInfo, hex; "" for no certificate (DANE-EE SPKI SHA-256)."""
    if "-----BEGIN CERTIFICATE-----" not in pem:
        return ""
    certificate = x509.load_pem_x509_certificate(pem.encode())
    spki = certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def dkim_public_key(record: str) -> str:
    """The p= value of the TXT record opendkim-genkey writes beside a key (its quoted strings joined)."""
    joined = "".join(re.findall(r'"([^"]*)"', record))
    match = re.search(r"(?:^|;)\s*p=([A-Za-z0-9+/=]+)", joined)
    return match.group(1) if match else ""


def dkim_key_facts(slurped: dict[str, Any]) -> dict[str, str]:
    """One slurp result of a key's TXT file (item: [domain, selector]) as the facts file records it."""
    domain, selector = slurped["item"]
    record = base64.b64decode(slurped["content"]).decode()
    algorithm = "ed25519" if "k=ed25519" in record.replace(" ", "") else "rsa"
    return {"domain": domain, "selector": selector, "algorithm": algorithm, "public_key": dkim_public_key(record)}


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
            "dkim_key_facts": dkim_key_facts,
            "dkim_public_key": dkim_public_key,
            "not_ip_addresses": not_ip_addresses,
            "spki_sha256": spki_sha256,
        }
