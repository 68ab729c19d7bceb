"""Filters for the mail_dns role: the certificate key hash a TLSA 3 1 1 record publishes.

Unit-tested in tests/test_dns_filters.py.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def spki_sha256(pem: str) -> str:
    """SHA-256 of the first certificate's SubjectPublicKeyInfo, hex; "" for no certificate (DANE-EE SPKI SHA-256)."""
    if "-----BEGIN CERTIFICATE-----" not in pem:
        return ""
    certificate = x509.load_pem_x509_certificate(pem.encode())
    spki = certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {"spki_sha256": spki_sha256}
