"""`postdove dns FACTS`: the records to publish, from the files the mail_dns role wrote."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from postdove.dns.facts import FactsError, ServerFacts, read_facts
from postdove.dns.records import Record, domain_records, host_records, problems
from postdove.dns.zone import as_json, zone_fragment


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dns = commands.add_parser("dns", help="print the DNS records to publish for the servers an inventory built")
    dns.add_argument(
        "facts", type=Path, help="the directory the mail_dns role writes (mail_dns_records_dir), or one of its files"
    )
    dns.add_argument("--json", action="store_true", help="print JSON instead of a zone-file fragment")
    dns.add_argument("--ttl", type=int, default=3600, help="the TTL to print (default 3600)")


def sections(servers: list[ServerFacts]) -> list[tuple[str, list[Record]]]:
    out: list[tuple[str, list[Record]]] = []
    for server in servers:
        out.append((f"server {server.hostname}", host_records(server)))
        out += [
            (f"domain {domain} (mail for it goes to {server.hostname})", domain_records(server, domain))
            for domain in server.domains
        ]
    return out


def run(args: argparse.Namespace) -> int:
    try:
        servers = read_facts(args.facts)
    except FactsError as error:
        print(f"postdove dns: {error}", file=sys.stderr)
        return 2
    for server in servers:
        for problem in problems(server):
            print(f"postdove dns: warning: {problem}", file=sys.stderr)
    printed = as_json if args.json else zone_fragment
    print(printed(sections(servers), args.ttl))
    return 0
