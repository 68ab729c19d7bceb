"""postdove - the command-line tool.

`postdove new-inventory DIR` writes a new inventory (hosts.yml and
group_vars/mailservers/main.yml) from the top-level templates/inventory, with
the same checks the roles make, so a typo fails here rather than on a host.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "inventory"
DEFAULT_USERS = ("test", "hello")
DEFAULT_ADDRESS = "192.0.2.10"
# The same rules as roles/mail/vars/main.yml.
DNS_NAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


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
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.hostname = args.hostname or f"server.{args.domain}"
    args.users = args.users or list(DEFAULT_USERS)
    for option, value in (("--domain", args.domain), ("--hostname", args.hostname)):
        if not DNS_NAME.match(value):
            parser.error(f"{option} {value!r} is not a DNS name such as hello.com")
    for user in args.users:
        if not USER_NAME.match(user):
            parser.error(f"--user {user!r} is not a valid user name (lower-case letters, digits, '_', '-')")
    if len(set(args.users)) != len(args.users):
        parser.error("--user names must be unique")
    if args.directory.exists():
        parser.error(f"{args.directory} exists already; choose a new directory")
    return args


def write_inventory(args: argparse.Namespace) -> list[Path]:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
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
    for path in write_inventory(args):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
