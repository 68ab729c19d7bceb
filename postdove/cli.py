"""postdove - the command-line tool.

`postdove new-inventory DIR` writes a new inventory (hosts.yml and
group_vars/mailservers/main.yml) from the top-level templates/inventory, with
the same checks the roles make, so a typo fails here rather than on a host.

`postdove dns FACTS` prints the DNS records to publish (MX, SPF, DKIM, DMARC,
SRV, TLSA, PTR) from the files the mail_dns role writes (postdove/dns/).

`postdove simulate SCENARIO` runs a queue scenario through the qmgr model and
prints a summary, with optional mail log, qshape tables and a PNG plot;
`postdove simulate --from-log mail.log --what-if EDIT` replays a real server's
log and the same with the edit, side by side (postdove/simulator/command.py).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
import yaml

from postdove.dns import command as dns_command

DEFAULT_USERS = ("test", "hello")
DEFAULT_ADDRESS = "192.0.2.10"


@dataclass(frozen=True)
class InventoryRules:
    """The mail role's own rules for names (roles/mail/vars/main.yml, linked as inventory_rules.yml)."""

    dns_name: re.Pattern[str]
    user_name: re.Pattern[str]
    reserved_users: frozenset[str]


@cache
def inventory_rules() -> InventoryRules:
    rules = yaml.safe_load(resources.files("postdove").joinpath("inventory_rules.yml").read_text())
    return InventoryRules(
        dns_name=re.compile(rules["__mail_dns_name_re"]),
        user_name=re.compile(rules["__mail_user_name_re"]),
        reserved_users=frozenset(rules["__mail_reserved_users"]),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="postdove", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new-inventory", help="write a new inventory for one mail server")
    new.add_argument("directory", type=Path, help="where to write it (must not exist yet)")
    new.add_argument("--domain", required=True, help="mail_domain, e.g. hello.com")
    new.add_argument("--hostname", help="mail_hostname (default: server.DOMAIN)")
    new.add_argument("--address", default=DEFAULT_ADDRESS, help=f"the server's IP address (default {DEFAULT_ADDRESS})")
    new.add_argument(
        "--user",
        dest="users",
        action="append",
        help=f"a mail user; repeat for more (default: {', '.join(DEFAULT_USERS)})",
    )
    new.add_argument("--delivery", choices=("local", "lmtp"), default="local", help="mail_delivery (default local)")

    sim = commands.add_parser("simulate", help="run a queue scenario through the Postfix queue-manager model")
    sim.add_argument("scenario", type=Path, nargs="?", help="a scenario YAML file (see examples/scenarios)")
    sim.add_argument(
        "--from-log", type=Path, help="instead of a scenario: a real Postfix mail log, replayed (with --maincf)"
    )
    sim.add_argument(
        "--what-if",
        action="append",
        default=[],
        metavar="EDIT",
        help="also run with this edit and compare: 'example.org down 10:00-12:00', 'arrivals x5', "
        "'default_process_limit=50' (repeatable; all apply together)",
    )
    sim.add_argument(
        "--maincf", type=Path, help="a main.cf or `postconf -n` output whose values win over the scenario's"
    )
    sim.add_argument("--log", type=Path, help="write the simulated mail log (of the what-if run, if any) to this file")
    sim.add_argument(
        "--qshape-at",
        type=float,
        action="append",
        default=[],
        metavar="SECONDS",
        help="print a qshape table of the queue at this simulated time (repeatable)",
    )
    sim.add_argument(
        "--qshape-queues",
        default="incoming,active,deferred",
        help="queues the qshape tables count (default incoming,active,deferred)",
    )
    sim.add_argument("--plot", type=Path, help="write a PNG of the queue sizes over time (every run)")
    sim.add_argument(
        "--duration", type=float, metavar="SECONDS", help="simulate this long instead (e.g. past a log's end)"
    )
    sim.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    dns_command.add_parser(commands)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "simulate":
        if (args.scenario is None) == (args.from_log is None):
            parser.error("give a scenario file or --from-log LOG (one of them)")
        return args
    if args.command == "dns":
        return args
    args.hostname = args.hostname or f"server.{args.domain}"
    args.users = args.users or list(DEFAULT_USERS)
    rules = inventory_rules()
    for option, value in (("--domain", args.domain), ("--hostname", args.hostname)):
        if not rules.dns_name.match(value):
            parser.error(f"{option} {value!r} is not a DNS name such as hello.com")
    for user in args.users:
        if not rules.user_name.match(user):
            parser.error(f"--user {user!r} is not a valid user name (lower-case letters, digits, '_', '-')")
        if user in rules.reserved_users:
            parser.error(f"--user {user!r} is a system account; choose another name")
    if len(set(args.users)) != len(args.users):
        parser.error("--user names must be unique")
    if args.directory.exists():
        parser.error(f"{args.directory} exists already; choose a new directory")
    return args


def write_inventory(args: argparse.Namespace) -> list[Path]:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("postdove", "inventory_templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    context = {
        "domain": args.domain,
        "hostname": args.hostname,
        "address": args.address,
        "users": args.users,
        "delivery": args.delivery,
    }
    targets = {
        "hosts.yml.j2": args.directory / "hosts.yml",
        "main.yml.j2": args.directory / "group_vars" / "mailservers" / "main.yml",
    }
    for template, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(env.get_template(template).render(context))
    return list(targets.values())


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "simulate":
        # Imported here: the simulator pulls in pydantic and matplotlib, which new-inventory does not need.
        from postdove.simulator import command

        return command.simulate(args)
    if args.command == "dns":
        return dns_command.run(args)
    for path in write_inventory(args):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
