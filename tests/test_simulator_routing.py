"""Recipients are routed as trivial-rewrite routes them (postdove/simulator/routing.py, docs/simulator.md §3.1)."""

from __future__ import annotations

import pytest

from postdove.simulator.params import from_maincf
from postdove.simulator.routing import Route, Router

GUIDE = (
    "myhostname = server.hello.com\nmydomain = hello.com\n"
    "mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain\n"
)


def router(maincf: str) -> Router:
    return Router(dict(from_maincf(maincf).routing))


def test_defaults_deliver_remote_domains_by_smtp_to_their_mx():
    route = router("").route("user@example.org")
    assert route == Route("smtp", "example.org")
    assert route.relay() == "example.org[192.0.2.1]:25"


def test_the_guides_mydestination_is_delivered_locally():
    assert router(GUIDE).route("hello@hello.com") == Route("local", "server.hello.com")
    assert router(GUIDE).route("root@localhost") == Route("local", "server.hello.com")
    assert router(GUIDE).route("a@example.org").transport == "smtp"


def test_relayhost_replaces_the_nexthop_of_remote_mail_only():
    routes = router(GUIDE + "relayhost = [smarthost.example.net]:587\n")
    assert routes.route("a@example.org") == Route("smtp", "[smarthost.example.net]:587")
    assert routes.route("a@example.org").relay() == "smarthost.example.net[192.0.2.1]:587"
    assert routes.route("hello@hello.com").transport == "local"


def test_relay_domains_go_through_relay_transport():
    assert router("relay_domains = backup.test\n").route("a@backup.test") == Route("relay", "backup.test")


def test_default_transport_with_a_nexthop_takes_every_remote_domain():
    routes = router("default_transport = smtp:[127.0.0.1]:2525\n")
    sink = Route("smtp", "[127.0.0.1]:2525")
    assert routes.route("a@example.org") == routes.route("sender@hello.com") == sink
    assert sink.relay() == "127.0.0.1[127.0.0.1]:2525"
    assert sink.host() == "127.0.0.1[127.0.0.1]"


@pytest.mark.parametrize(
    ("address", "route"),
    [
        ("a@sink.test", Route("smtp", "[127.0.0.1]:2603")),
        ("vip@sink.test", Route("relay", "sink.test")),  # the address first; an empty nexthop keeps the default
        ("a@mx.sub.example.org", Route("smtp", "[10.0.0.1]:25")),  # a parent domain's `.domain` entry
        ("a@example.org", Route("lmtp", "example.org")),  # the domain's own entry, transport only
        ("a@other.test", Route("smtp", "[192.0.2.9]")),  # `*` for the rest
    ],
)
def test_transport_maps_as_trivial_rewrite_asks_them(address, route):
    maincf = (
        "transport_maps = inline:{ sink.test=smtp:[127.0.0.1]:2603, vip@sink.test=relay:,\n"
        "    .example.org=smtp:[10.0.0.1]:25, example.org=lmtp:, *=smtp:[192.0.2.9] }\n"
    )
    assert router(maincf).route(address) == route


def test_a_file_map_is_read_from_its_source_text_first_table_wins(tmp_path):
    source = tmp_path / "transport"
    source.write_text("# the smarthost for one customer\nexample.org   smtp:[10.0.0.5]:587\n.example.org\n  relay:\n")
    routes = router(f"transport_maps = hash:{source}, inline:{{ example.org=lmtp:, other.test=smtp:[10.0.0.6] }}\n")
    assert routes.route("a@example.org") == Route("smtp", "[10.0.0.5]:587")
    assert routes.route("a@mx.example.org") == Route("relay", "mx.example.org")
    assert routes.route("a@other.test") == Route("smtp", "[10.0.0.6]")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hash:/nonexistent/transport", r"needs its source file /nonexistent/transport \(No such file"),
        ("pgsql:/etc/postfix/pg.cf", r"cannot read 'pgsql:/etc/postfix/pg.cf'; it reads inline"),
    ],
)
def test_a_map_the_simulator_cannot_read_is_refused_by_name(value, message):
    with pytest.raises(ValueError, match=f"transport_maps: .*{message}"):
        router(f"transport_maps = {value}\n")


def test_lmtp_over_a_unix_socket_is_delivery_on_the_host():
    route = router(GUIDE + "local_transport = lmtp:unix:private/dovecot-lmtp\n").route("hello@hello.com")
    assert route == Route("lmtp", "unix:private/dovecot-lmtp")
    assert not route.remote and route.relay() == "lmtp"
    assert Route("lmtp", "inet:[127.0.0.1]:24").relay() == "127.0.0.1[127.0.0.1]:24"
