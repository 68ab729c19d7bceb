"""plugins/filter/certificates.py: when mail_tls keeps the self-signed key and certificate."""

from __future__ import annotations

import datetime
import hashlib
import importlib.util

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("certificates", PROJECT / "plugins/filter/certificates.py")
assert _spec and _spec.loader
certificates = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(certificates)

NOW = datetime.datetime(2026, 12, 6, tzinfo=datetime.UTC)
NAMES = ["DNS:server.hello.com", "DNS:hello.com"]
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def read_of(
    key=RSA_KEY,
    *,
    names=("server.hello.com", "hello.com"),
    days=365,
    started=NOW - datetime.timedelta(days=10),
    certified_key=None,
    digest: hashes.HashAlgorithm | None = None,
    key_ids=True,
) -> str:
    """What the role's read command prints: the key's public half, then a certificate made as the role makes it."""
    certified = (certified_key or key).public_key()
    spki = certified.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    key_id = hashlib.sha1(spki).digest()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(certified)
        .serial_number(1)
        .not_valid_before(started)
        .not_valid_after(started + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
    )
    if key_ids:
        builder = builder.add_extension(x509.SubjectKeyIdentifier(key_id), critical=False).add_extension(
            x509.AuthorityKeyIdentifier(key_id, None, None), critical=False
        )
    certificate = builder.sign(certified_key or key, digest or hashes.SHA256())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return public.decode() + certificate.public_bytes(serialization.Encoding.PEM).decode()


def differences(read: str, key_type: str = "RSA", key_size: int = 2048, names=NAMES, days: int = 397) -> list[str]:
    return certificates.selfsigned_differences(read, key_type, key_size, list(names), days, 30, now=NOW)


def test_a_certificate_as_asked_is_kept() -> None:
    assert differences(read_of()) == []


def test_an_ecc_certificate_as_asked_is_kept() -> None:
    assert differences(read_of(ec.generate_private_key(ec.SECP256R1())), key_type="ECC") == []


@pytest.mark.parametrize(
    ("read", "options", "expected"),
    [
        ("", {}, "no key or no certificate yet"),
        ("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", {}, "no key or no certificate yet"),
        (read_of(), {"key_size": 3072}, "the key is not a 3072-bit RSA key"),
        (read_of(), {"key_type": "ECC"}, "the key is not a P-256 ECC key"),
        (read_of(certified_key=rsa.generate_private_key(65537, 2048)), {}, "the certificate is not for the key"),
        (read_of(names=("other.hello.com", "hello.com")), {}, "the common name is not the host name"),
        (read_of(names=("server.hello.com",)), {}, "the names are ['DNS:server.hello.com'], not"),
        (read_of(key_ids=False), {}, "the subject or authority key identifier is not the key's"),
        (read_of(digest=hashes.SHA384()), {}, "the signature is not SHA-256"),
        (read_of(days=30), {}, "it ends within 30 days"),
        (read_of(days=3650), {}, "its lifetime is longer than 397 days"),
    ],
)
def test_each_difference_is_named(read: str, options: dict, expected: str) -> None:
    assert any(found.startswith(expected) for found in differences(read, **options)), differences(read, **options)


def test_renewal_is_due_only_for_the_end_or_the_lifetime() -> None:
    assert not certificates.certificate_renewal_due(read_of(names=("x.example",)), 397, 30, now=NOW)
    assert certificates.certificate_renewal_due(read_of(days=30), 397, 30, now=NOW)
    assert certificates.certificate_renewal_due(read_of(days=3650), 397, 30, now=NOW)
    assert not certificates.certificate_renewal_due("", 397, 30, now=NOW)
