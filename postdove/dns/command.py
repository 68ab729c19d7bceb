"""`postdove dns FACTS`: the records to publish, from the files the mail_dns role wrote."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from postdove.dns.facts import FactsError, ServerFacts, read_facts
from postdove.dns.mta_sts import Policy, policies, write_policies
from postdove.dns.records import Record, domain_records, host_records, problems
from postdove.dns.zone import as_json, zone_fragment


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dns = commands.add_parser("dns", help="print the DNS records to publish for the servers an inventory built")
    dns.add_argument(
        "facts", type=Path, help="the directory the mail_dns role writes (mail_dns_records_dir), or one of its files"
    )
    dns.add_argument("--json", action="store_true", help="print JSON instead of a zone-file fragment")
    dns.add_argument("--ttl", type=int, default=3600, help="the TTL to print (default 3600)")
    dns.add_argument(
        "--mta-sts-dir",
        type=Path,
        metavar="DIR",
        help="also write each domain's MTA-STS policy to DIR/mta-sts.DOMAIN/.well-known/mta-sts.txt, "
        "the web root of the HTTPS host that serves it",
    )


def sections(servers: list[ServerFacts], mta_sts: dict[str, Policy]) -> list[tuple[str, list[Record]]]:
    out: list[tuple[str, list[Record]]] = []
    for server in servers:
        out.append((f"server {server.hostname}", host_records(server)))
        out += [
            (
                f"domain {domain} (mail for it goes to {server.hostname})",
                domain_records(server, domain, mta_sts.get(domain) if server.mta_sts_mode else None),
            )
            for domain in server.domains
        ]
    return out


def run(args: argparse.Namespace) -> int:
    try:
        servers = read_facts(args.facts)
        mta_sts = policies(servers)
    except FactsError as error:
        print(f"postdove dns: {error}", file=sys.stderr)
        return 2
    for server in servers:
        for problem in problems(server):
            print(f"postdove dns: warning: {problem}", file=sys.stderr)
    printed = as_json if args.json else zone_fragment
    print(printed(sections(servers, mta_sts), args.ttl))
    if args.mta_sts_dir:
        written = write_policies(mta_sts.values(), args.mta_sts_dir)
        print(f"postdove dns: wrote {len(written)} MTA-STS policies under {args.mta_sts_dir}", file=sys.stderr)
        if not written:
            print("postdove dns: no server publishes MTA-STS: set mail_dns_mta_sts_mode", file=sys.stderr)
    return 0
