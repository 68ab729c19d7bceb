"""What the mail_dns role writes on the controller for each server (one JSON file per host).

The role knows what only the host can tell (its addresses, the live certificate's
public key, the DKIM public keys) and what the inventory says (domains, policies);
this module reads that file and checks its shape, so the records are made from
data, never from a guess.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The services RFC 6186/8314 SRV records describe, and the port each listens on.
SRV_SERVICES = {"submissions": 465, "submission": 587, "imaps": 993, "pop3s": 995}
# MTA-STS (RFC 8461): the modes, and how long senders keep a policy (a day at
# least, so a policy outlives an outage of its web host; a year at most, 3.2).
MTA_STS_MODES = ("none", "testing", "enforce")
MTA_STS_MAX_AGE = range(86400, 31557600 + 1)
MTA_STS_DEFAULT_MAX_AGE = 604800  # a week, as mail_dns_mta_sts_max_age


class FactsError(ValueError):
    """A facts file that is missing a field or holds a wrong value."""


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    algorithm: str  # rsa or ed25519 (the DKIM k= tag)
    public_key: str  # base64, as the p= tag takes it


@dataclass(frozen=True)
class ServerFacts:
    hostname: str
    ehlo_name: str
    addresses: list[str]
    domains: list[str]
    services: list[str]
    tlsa_25: str  # SHA-256 of the certificate's SubjectPublicKeyInfo, hex
    spf: str
    dmarc_policy: str
    dmarc_rua: str = ""
    tls_rpt_rua: str = ""
    dkim: list[DkimKey] = field(default_factory=list)
    mta_sts_mode: str = ""  # empty: no MTA-STS
    mta_sts_max_age: int = MTA_STS_DEFAULT_MAX_AGE


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise FactsError(f"{where}: '{key}' must be a string, not {value!r}")
    return value


def _texts(data: dict[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FactsError(f"{where}: '{key}' must be a list of strings, not {value!r}")
    return value


def _addresses(data: dict[str, Any], where: str) -> list[str]:
    addresses = _texts(data, "addresses", where)
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise FactsError(
                f"{where}: '{address}' is not an IP address; fix mail_dns_addresses and run the playbook again"
            ) from None
    return addresses


def _mailbox(data: dict[str, Any], key: str, where: str) -> str:
    """A report address, given bare or as a mailto: URI (the records add mailto: themselves)."""
    return _text(data, key, where).removeprefix("mailto:")


def _mta_sts(data: dict[str, Any], where: str) -> tuple[str, int]:
    mode = _text(data, "mta_sts_mode", where)
    if mode and mode not in MTA_STS_MODES:
        raise FactsError(f"{where}: mail_dns_mta_sts_mode '{mode}' is not one of {', '.join(MTA_STS_MODES)} (or empty)")
    max_age = data.get("mta_sts_max_age", MTA_STS_DEFAULT_MAX_AGE)
    if isinstance(max_age, str) and max_age.isdigit():
        max_age = int(max_age)
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age not in MTA_STS_MAX_AGE:
        raise FactsError(
            f"{where}: mail_dns_mta_sts_max_age {max_age!r} must be seconds from {MTA_STS_MAX_AGE.start} "
            f"to {MTA_STS_MAX_AGE.stop - 1}, e.g. 604800 (a week)"
        )
    return mode, max_age


def parse_facts(data: Any, where: str) -> ServerFacts:
    if not isinstance(data, dict):
        raise FactsError(f"{where}: expected a JSON object written by the mail_dns role")
    for key in ("hostname", "domains", "spf", "dmarc_policy"):
        if not data.get(key):
            raise FactsError(f"{where}: '{key}' is missing; run the playbook again (role mail_dns writes it)")
    services = _texts(data, "services", where)
    unknown = sorted(set(services) - set(SRV_SERVICES))
    if unknown:
        raise FactsError(f"{where}: unknown services {unknown}; known: {sorted(SRV_SERVICES)}")
    keys = data.get("dkim", [])
    if not isinstance(keys, list):
        raise FactsError(f"{where}: 'dkim' must be a list")
    dkim = [
        DkimKey(
            domain=_text(key, "domain", where),
            selector=_text(key, "selector", where),
            algorithm=_text(key, "algorithm", where) or "rsa",
            public_key=_text(key, "public_key", where),
        )
        for key in keys
    ]
    mta_sts_mode, mta_sts_max_age = _mta_sts(data, where)
    return ServerFacts(
        hostname=_text(data, "hostname", where).rstrip("."),
        ehlo_name=(_text(data, "ehlo_name", where) or _text(data, "hostname", where)).rstrip("."),
        addresses=_addresses(data, where),
        domains=_texts(data, "domains", where),
        services=services,
        tlsa_25=_text(data, "tlsa_25", where).lower(),
        spf=_text(data, "spf", where),
        dmarc_policy=_text(data, "dmarc_policy", where),
        dmarc_rua=_mailbox(data, "dmarc_rua", where),
        tls_rpt_rua=_mailbox(data, "tls_rpt_rua", where),
        dkim=dkim,
        mta_sts_mode=mta_sts_mode,
        mta_sts_max_age=mta_sts_max_age,
    )


def read_facts(path: Path) -> list[ServerFacts]:
    """One facts file, or every *.json in a directory (one per server), sorted by name."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise FactsError(f"{path}: no facts files (*.json); run site.yml first, the mail_dns role writes them")
    facts = []
    for file in files:
        try:
            data = json.loads(file.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise FactsError(f"{file}: {error}") from error
        facts.append(parse_facts(data, str(file)))
    return facts
