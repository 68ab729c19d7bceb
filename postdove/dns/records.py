"""The records to publish for one server and its domains, as (name, type, data) triples.

Names are absolute (a trailing dot), so the fragment pastes into any zone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from postdove.dns.facts import SRV_SERVICES, ServerFacts
from postdove.dns.mta_sts import POLICY_PATH, Policy

# A TXT record is a series of strings of at most 255 bytes each (RFC 1035 3.3.14).
TXT_STRING_BYTES = 255


@dataclass(frozen=True)
class Record:
    name: str
    type: str
    data: str
    comment: str = ""


def absolute(name: str) -> str:
    return name.rstrip(".") + "."


def txt(text: str) -> str:
    """TXT presentation data: quoted strings of at most 255 bytes, in order."""
    chunks: list[str] = []
    data = text.encode()
    while data:
        piece = data[:TXT_STRING_BYTES]
        # Never cut a UTF-8 sequence in two.
        while piece and (piece[-1] & 0xC0) == 0x80 and len(piece) < len(data):
            piece = piece[:-1]
        chunks.append(piece.decode())
        data = data[len(piece) :]
    escaped = [chunk.replace("\\", "\\\\").replace('"', '\\"') for chunk in chunks or [""]]
    return " ".join(f'"{chunk}"' for chunk in escaped)


def ptr_name(address: str) -> str:
    return absolute(ipaddress.ip_address(address).reverse_pointer)


def host_records(facts: ServerFacts) -> list[Record]:
    """The server's own: A/AAAA, the PTR its provider must set, and TLSA for port 25 (DANE)."""
    host = absolute(facts.hostname)
    records = []
    for address in facts.addresses:
        kind = "AAAA" if ipaddress.ip_address(address).version == 6 else "A"
        records.append(Record(host, kind, address))
    for address in facts.addresses:
        records.append(
            Record(
                ptr_name(address), "PTR", absolute(facts.ehlo_name), "set by the address's provider, not in your zone"
            )
        )
    if facts.tlsa_25:
        records.append(
            Record(f"_25._tcp.{host}", "TLSA", f"3 1 1 {facts.tlsa_25}", "DANE: the live certificate's public key")
        )
    return records


def dmarc_text(facts: ServerFacts) -> str:
    text = f"v=DMARC1; p={facts.dmarc_policy}"
    return text + (f"; rua=mailto:{facts.dmarc_rua}" if facts.dmarc_rua else "")


def domain_records(facts: ServerFacts, domain: str, mta_sts: Policy | None = None) -> list[Record]:
    """One mail domain's: MX, SPF, DKIM, DMARC, client SRV records, TLS-RPT, MTA-STS."""
    zone, host = absolute(domain), absolute(facts.hostname)
    records = [Record(zone, "MX", f"10 {host}"), Record(zone, "TXT", txt(facts.spf), "SPF")]
    for key in facts.dkim:
        if key.domain == domain:
            tag = f"v=DKIM1; k={key.algorithm}; p={key.public_key}"
            records.append(Record(f"{key.selector}._domainkey.{zone}", "TXT", txt(tag), "DKIM"))
    records.append(Record(f"_dmarc.{zone}", "TXT", txt(dmarc_text(facts)), "DMARC"))
    for service, port in SRV_SERVICES.items():
        # RFC 6186: a target of "." says the service is not offered.
        data = f"0 1 {port} {host}" if service in facts.services else "0 0 0 ."
        records.append(Record(f"_{service}._tcp.{zone}", "SRV", data))
    if facts.tls_rpt_rua:
        records.append(
            Record(f"_smtp._tls.{zone}", "TXT", txt(f"v=TLSRPTv1; rua=mailto:{facts.tls_rpt_rua}"), "TLS-RPT")
        )
    if mta_sts:
        where = f"https://{mta_sts.host}/{POLICY_PATH}"
        records.append(Record(f"_mta-sts.{zone}", "TXT", txt(mta_sts.record), f"MTA-STS: serve the policy at {where}"))
    return records


def problems(facts: ServerFacts) -> list[str]:
    """What stops other servers trusting this one, before any record is published."""
    found = []
    if facts.ehlo_name != facts.hostname:
        found.append(
            f"{facts.hostname}: Postfix greets as {facts.ehlo_name} (smtp_helo_name); receivers expect the "
            f"PTR, the EHLO name and the host name to agree: set smtp_helo_name to {facts.hostname} or "
            "mail_hostname to the EHLO name"
        )
    if not facts.addresses:
        found.append(f"{facts.hostname}: no public address known; set mail_dns_addresses")
    for address in facts.addresses:
        ip = ipaddress.ip_address(address)
        if ip.is_private or ip.is_loopback or ip.is_link_local:
            found.append(
                f"{facts.hostname}: {address} is not a public address (behind NAT?); set mail_dns_addresses "
                "to the address the internet sees"
            )
    if not facts.tlsa_25:
        found.append(f"{facts.hostname}: no certificate hash was recorded, so no TLSA record")
    return found
