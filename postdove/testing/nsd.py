"""NSD (Debian's authoritative DNS server) serving test zones inside a lab container.

Each instance has its own files under /tmp/nsd-<port>/, beside the packaged
nsd.service (stopped: its default configuration also wants port 53).
"""

from __future__ import annotations

import re

from postdove.testing.containers import sh


def records_of(zone: str, domain: str) -> list[str]:
    """The lines of a zone-file fragment (e.g. `postdove dns`) for names in `domain`, without PTR."""
    own = re.compile(rf"^(\S+\.)?{re.escape(domain)}\.\s")
    return [line for line in zone.splitlines() if own.match(line) and " PTR " not in line]


def zone_file(domain: str, records: list[str]) -> str:
    """A complete zone: an SOA and NS for `domain`, then `records`."""
    head = [
        "$TTL 3600",
        f"{domain}. 3600 IN SOA ns.{domain}. hostmaster.{domain}. 1 3600 600 86400 300",
        f"{domain}. 3600 IN NS ns.{domain}.",
        f"ns.{domain}. 3600 IN A 192.0.2.53",
    ]
    return "\n".join(head + records) + "\n"


def serve(container: str, zones: dict[str, list[str]], port: int) -> None:
    """Serve `zones` (domain -> records) on 127.0.0.1:`port` in `container`."""

    def run(*command: str) -> str:
        return sh("podman", "exec", container, *command)

    run("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q nsd >/dev/null 2>&1")
    run("systemctl", "stop", "nsd")
    directory = f"/tmp/nsd-{port}"
    run("mkdir", "-p", directory)
    config = [
        "server:",
        f"  ip-address: 127.0.0.1@{port}",
        f"  zonesdir: {directory}",
        f"  pidfile: {directory}/nsd.pid",
        '  username: ""',
        '  database: ""',
        f"  zonelistfile: {directory}/zonelist",
        f"  xfrdfile: {directory}/xfrd",
        f"  logfile: {directory}/log",
        "remote-control:",
        "  control-enable: no",
    ]
    for domain, records in zones.items():
        run("sh", "-c", f"cat > {directory}/{domain}.zone <<'EOF'\n{zone_file(domain, records)}EOF")
        run("nsd-checkzone", domain, f"{directory}/{domain}.zone")
        config += ["zone:", f"  name: {domain}", f"  zonefile: {domain}.zone"]
    run("sh", "-c", f"cat > {directory}/nsd.conf <<'EOF'\n" + "\n".join(config) + "\nEOF")
    run("sh", "-c", f"nsd -c {directory}/nsd.conf && sleep 1 || {{ cat {directory}/log; exit 1; }}")


def stop(container: str, port: int) -> None:
    sh("podman", "exec", container, "sh", "-c", f"kill $(cat /tmp/nsd-{port}/nsd.pid) 2>/dev/null || true")
