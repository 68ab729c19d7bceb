"""MTA-STS (RFC 8461): the policy each mail domain serves over HTTPS, and the TXT record naming it.

A sender that honours MTA-STS reads `_mta-sts.DOMAIN` (TXT), fetches
https://mta-sts.DOMAIN/.well-known/mta-sts.txt, and from then on (in enforce
mode) delivers to DOMAIN only over TLS verified against the MX names listed.
The record's id tells senders to fetch again; it is a hash of the policy, so
it changes exactly when the policy does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from postdove.dns.facts import FactsError, ServerFacts

# Where a sender fetches the policy, under https://mta-sts.DOMAIN/ (RFC 8461 3.3).
POLICY_PATH = ".well-known/mta-sts.txt"
# RFC 8461 3.1: the id is 1 to 32 letters and digits; 20 hex digits never repeat by chance.
ID_LENGTH = 20


@dataclass(frozen=True)
class Policy:
    domain: str
    mode: str  # none, testing or enforce
    mx: tuple[str, ...]  # the host names senders may deliver to
    max_age: int  # seconds a sender keeps the policy

    @property
    def text(self) -> str:
        lines = ["version: STSv1", f"mode: {self.mode}", *(f"mx: {host}" for host in self.mx)]
        return "\n".join([*lines, f"max_age: {self.max_age}", ""])

    @property
    def id(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:ID_LENGTH]

    @property
    def record(self) -> str:
        return f"v=STSv1; id={self.id}"

    @property
    def host(self) -> str:
        """The web host a sender fetches the policy from (it must hold a certificate for this name)."""
        return f"mta-sts.{self.domain}"


def policies(servers: Iterable[ServerFacts]) -> dict[str, Policy]:
    """One policy per domain whose servers publish MTA-STS, listing every server that takes its mail."""
    found: dict[str, Policy] = {}
    for server in servers:
        if not server.mta_sts_mode:
            continue
        for domain in server.domains:
            known = found.get(domain)
            if known is None:
                found[domain] = Policy(domain, server.mta_sts_mode, (server.hostname,), server.mta_sts_max_age)
            elif (known.mode, known.max_age) != (server.mta_sts_mode, server.mta_sts_max_age):
                raise FactsError(
                    f"{domain}: its servers publish different MTA-STS policies ({known.mode}, max_age "
                    f"{known.max_age} and {server.mta_sts_mode}, max_age {server.mta_sts_max_age}); give "
                    "mail_dns_mta_sts_mode and mail_dns_mta_sts_max_age the same values on all of them"
                )
            elif server.hostname not in known.mx:
                found[domain] = Policy(domain, known.mode, (*known.mx, server.hostname), known.max_age)
    return found


def write_policies(found: Iterable[Policy], directory: Path) -> list[Path]:
    """Each policy as a web root per policy host: DIR/mta-sts.DOMAIN/.well-known/mta-sts.txt."""
    written = []
    for policy in found:
        path = directory / policy.host / POLICY_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(policy.text)
        written.append(path)
    return written
