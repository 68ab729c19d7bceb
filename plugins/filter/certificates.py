"""Filter: how the host's self-signed certificate differs from what the inventory asks for.

A re-run reads the key's public half and the certificate in one command
(`openssl pkey -pubout` and `cat`: the private key never leaves the host) and
this filter compares them here, on the controller, instead of two
community.crypto info modules on the host (~0.3 s each; issue 13). An empty
list means the tasks that make the key and the certificate would keep both.

Unit-tested in tests/test_certificate_filters.py.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

PEM_BLOCK = re.compile(r"-----BEGIN (?P<kind>[A-Z ]+)-----.+?-----END (?P=kind)-----", re.DOTALL)


def _pem_blocks(text: str) -> dict[str, bytes]:
    """The first PEM block of each kind (PUBLIC KEY, CERTIFICATE) in `text`."""
    blocks: dict[str, bytes] = {}
    for match in PEM_BLOCK.finditer(text):
        blocks.setdefault(match["kind"], match.group(0).encode())
    return blocks


def _key_id(spki_der: bytes) -> str:
    """SHA-1 of the SubjectPublicKeyInfo, as community.crypto's public_key_fingerprints.sha1 (aa:bb:...).

    The certificate task writes it as the subject and authority key identifier.
    """
    digest = hashlib.sha1(spki_der).hexdigest()  # an identifier, not a security hash
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _colon_hex(data: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in data)


def _renewal_reasons(certificate: Any, days: int, renew_days: int, now: datetime.datetime | None) -> list[str]:
    """Why the certificate must be renewed whatever else: its end is near, or it lives longer than asked for."""
    now = now or datetime.datetime.now(datetime.UTC)
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    reasons = []
    if not not_before <= now + datetime.timedelta(days=int(renew_days)) <= not_after:
        reasons.append(f"it ends within {renew_days} days")
    if (not_after - not_before).days > int(days) + 1:
        reasons.append(f"its lifetime is longer than {days} days")
    return reasons


def certificate_renewal_due(read: str, days: int, renew_days: int, now: datetime.datetime | None = None) -> bool:
    """Whether the certificate in `read` must be renewed though it still fits (see _renewal_reasons); False for none."""
    from cryptography import x509

    pem = _pem_blocks(read).get("CERTIFICATE")
    try:
        return bool(pem and _renewal_reasons(x509.load_pem_x509_certificate(pem), days, renew_days, now))
    except ValueError:
        return False


def selfsigned_differences(
    read: str,
    key_type: str,
    key_size: int,
    names: list[str],
    days: int,
    renew_days: int,
    now: datetime.datetime | None = None,
) -> list[str]:
    """What differs between the key and certificate read and those asked for; [] when both are kept.

    read: the public key (PEM) then the certificate (PEM); key_type: RSA (key_size bits) or
    ECC (P-256); names: the subject alternative names as DNS:<name>, the first one also the
    common name; days: the lifetime asked for; renew_days: renew when the end is nearer.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
    from cryptography.x509.oid import NameOID

    blocks = _pem_blocks(read)
    if "PUBLIC KEY" not in blocks or "CERTIFICATE" not in blocks:
        return ["no key or no certificate yet"]
    try:
        key = load_pem_public_key(blocks["PUBLIC KEY"])
        certificate = x509.load_pem_x509_certificate(blocks["CERTIFICATE"])
    except ValueError:
        return ["the key or the certificate does not parse"]

    differences = []
    if key_type == "RSA" and not (isinstance(key, rsa.RSAPublicKey) and key.key_size == int(key_size)):
        differences.append(f"the key is not a {key_size}-bit RSA key")
    if key_type == "ECC" and not (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"):
        differences.append("the key is not a P-256 ECC key")

    spki = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) != spki:
        differences.append("the certificate is not for the key")

    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or [str(name.value) for name in common_names] != [names[0].removeprefix("DNS:")]:
        differences.append("the common name is not the host name")
    try:
        alt_names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        listed = sorted(f"DNS:{name}" for name in alt_names.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        listed = []
    if listed != sorted(names):
        differences.append(f"the names are {listed}, not {sorted(names)}")

    key_id = _key_id(spki)
    try:
        subject_key_id = _colon_hex(
            certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        )
        authority_key_id = _colon_hex(
            certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier or b""
        )
    except x509.ExtensionNotFound:
        subject_key_id = authority_key_id = ""
    if subject_key_id != key_id or authority_key_id != key_id:
        differences.append("the subject or authority key identifier is not the key's")

    if certificate.signature_hash_algorithm is None or certificate.signature_hash_algorithm.name != "sha256":
        differences.append("the signature is not SHA-256")

    differences += _renewal_reasons(certificate, days, renew_days, now)
    return differences


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "certificate_renewal_due": certificate_renewal_due,
            "selfsigned_differences": selfsigned_differences,
        }
