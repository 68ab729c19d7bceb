"""routing - which transport and nexthop Postfix gives a recipient (docs/simulator.md §3.2).

DESCRIPTION
    trivial-rewrite's resolve and transport steps, for the parameters that
    decide them: a domain in mydestination goes to local_transport, one in
    relay_domains to relay_transport, any other to default_transport;
    relayhost replaces the nexthop of the last two. transport_maps then
    overrides, looked up as the full address, the domain, each parent
    `.domain`, and `*`; an empty transport or nexthop in its result keeps the
    one resolved before (transport(5)). qmgr keeps one queue per transport and
    nexthop, per recipient when the transport takes one recipient per delivery.

LIMITATIONS
    transport_maps are read as tables.py reads them (inline, or a file map's
    source text); no virtual or relocated domains, no sender-dependent routing. Delivery on
    the host (local, or lmtp over a UNIX socket) is logged as relay=<transport>.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from postdove.simulator import tables

# The documentation address the simulator gives hosts found by MX lookup.
MX_ADDRESS = "192.0.2.1"
ROUTING_PARAMETERS = {
    "myhostname": "server.hello.com",
    "mydomain": "",  # $myhostname less its first label, as Postfix derives it
    "mydestination": "$myhostname, localhost.$mydomain, localhost",
    "local_transport": "local:$myhostname",
    "default_transport": "smtp",
    "relay_transport": "relay",
    "relayhost": "",
    "relay_domains": "",
    "transport_maps": "",
}
_REFERENCE = re.compile(r"\$(\w+)|\$\{(\w+)\}|\$\((\w+)\)")


@dataclass(frozen=True)
class Route:
    """A recipient's delivery: the transport (master.cf service) and its nexthop."""

    transport: str
    nexthop: str

    @property
    def remote(self) -> bool:
        """Delivered over TCP by smtp(8) or lmtp(8), where sites can fail; the rest is delivered on the host."""
        if self.transport == "lmtp":
            return not self.nexthop.startswith("unix:")
        return self.transport in {"smtp", "relay"}

    def relay(self) -> str:
        """The `relay=` Postfix logs once connected: host[address]:port, or the transport for local delivery."""
        if not self.remote:
            return self.transport
        host, port = self.host_and_port()
        return f"{host}[{host if literal_address(host) else MX_ADDRESS}]:{port}"

    def host(self) -> str:
        """`host[address]` as smtp(8) writes it in "host ... said" replies (no port)."""
        return self.relay().rpartition(":")[0] if self.remote else self.transport

    def host_and_port(self) -> tuple[str, str]:
        """The host and port of an smtp or lmtp nexthop: `[host]:port`, `host:port` or `host`."""
        nexthop = self.nexthop.removeprefix("inet:")
        port = "24" if self.transport == "lmtp" else "25"
        if nexthop.startswith("["):
            host, _, rest = nexthop[1:].partition("]")
            return host, rest.removeprefix(":") or port
        host, _, given = nexthop.partition(":")
        return host, given or port


def literal_address(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|[0-9a-fA-F:]+:[0-9a-fA-F:.]*", host))


class Router:
    """Routes addresses as the main.cf values given (and Postfix's defaults for the rest) decide."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        given = {name: value for name, value in (values or {}).items() if name in ROUTING_PARAMETERS}
        self.values = ROUTING_PARAMETERS | given
        if not self.values["mydomain"]:
            self.values["mydomain"] = self.values["myhostname"].partition(".")[2] or "localdomain"
        self.local_domains = set(self.listed("mydestination"))
        self.relay_domains = set(self.listed("relay_domains"))
        self.transport_map = tables.load("transport_maps", self.expand("transport_maps"))

    def expand(self, name: str, depth: int = 0) -> str:
        """A parameter's value with $name, ${name} and $(name) references replaced."""
        if depth > 10:
            raise ValueError(f"{name}: $name references nest too deep (a loop?)")

        def replace(match: re.Match[str]) -> str:
            referenced = next(group for group in match.groups() if group)
            return self.expand(referenced, depth + 1) if referenced in self.values else ""

        return _REFERENCE.sub(replace, self.values.get(name, ""))

    def listed(self, name: str) -> list[str]:
        return [item.lower() for item in re.split(r"[\s,]+", self.expand(name)) if item]

    @functools.cache  # noqa: B019 - one router per run, few distinct addresses per domain
    def route(self, address: str) -> Route:
        domain = address.rpartition("@")[2].lower()
        if domain in self.local_domains:
            transport, nexthop = split(self.expand("local_transport"), domain)
        else:
            chosen = "relay_transport" if domain in self.relay_domains else "default_transport"
            transport, nexthop = split(self.expand(chosen), domain)
            relayhost = self.expand("relayhost").strip()
            if relayhost and nexthop == domain:
                nexthop = relayhost
        override = self.transport_lookup(address.lower(), domain)
        if override is not None:
            new_transport, new_nexthop = split(override, "")
            transport, nexthop = new_transport or transport, new_nexthop or nexthop
        return Route(transport, nexthop)

    def transport_lookup(self, address: str, domain: str) -> str | None:
        """transport_maps in the order trivial-rewrite asks it: address, domain, parent domains, `*`."""
        keys = [address, domain]
        labels = domain.split(".")
        keys += ["." + ".".join(labels[i:]) for i in range(1, len(labels))]
        keys.append("*")
        return next((self.transport_map[key] for key in keys if key in self.transport_map), None)


def split(value: str, default_nexthop: str) -> tuple[str, str]:
    """`transport:nexthop` (nexthop may hold colons, as in [host]:port) into its parts."""
    transport, _, nexthop = value.strip().partition(":")
    return transport, nexthop or default_nexthop
