"""The host firewall: firewalld opens exactly the mail ports (lmtp scenario), or is left alone (default)."""

import os
import shlex

import pytest

# 4190: ManageSieve (mail_managesieve), as LMTP delivers here.
MAIL_PORTS = {"25/tcp", "465/tcp", "587/tcp", "143/tcp", "993/tcp", "110/tcp", "995/tcp", "4190/tcp"}
FIREWALL = os.environ.get("POSTDOVE_FIREWALL", "none")


def connect(host, server_name: str, port: int) -> str:
    """ "open", or the error `host` gets connecting to server_name:port."""
    script = f"""
import socket
try:
    socket.create_connection(({server_name!r}, {port}), timeout=5).close()
    print("open")
except OSError as error:
    print(type(error).__name__)
"""
    return host.check_output(f"python3 -c {shlex.quote(script)}").strip()


@pytest.mark.skipif(FIREWALL != "firewalld", reason="scenario without firewalld")
def test_firewalld_opens_exactly_the_mail_ports(server):
    assert server.check_output("firewall-cmd --state") == "running"
    assert set(server.check_output("firewall-cmd --list-ports").split()) == MAIL_PORTS
    assert set(server.check_output("firewall-cmd --permanent --list-ports").split()) == MAIL_PORTS


@pytest.mark.skipif(FIREWALL != "firewalld", reason="scenario without firewalld")
def test_firewalld_blocks_a_port_that_is_not_a_mail_port(server, client, server_name):
    server.run("systemd-run --unit=postdove-probe-listener python3 -m http.server 2525")
    try:
        assert connect(client, server_name, 25) == "open"
        assert connect(client, server_name, 2525) != "open"
        assert connect(server, "127.0.0.1", 2525) == "open", "the listener is up; only the firewall stops the client"
    finally:
        server.run("systemctl stop postdove-probe-listener")


@pytest.mark.skipif(FIREWALL != "none", reason="scenario with a firewall")
def test_no_firewall_is_installed_where_none_was_asked_for(server):
    assert not server.exists("firewall-cmd")
