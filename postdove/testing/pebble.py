"""Pebble, Debian's packaged ACME test CA, inside a lab container: a real CA for certbot to talk to."""

from __future__ import annotations

from postdove.testing.containers import sh

DIRECTORY = "https://localhost:14000/dir"
ROOT_FILE = "/tmp/pebble-root.pem"
# httpPort 80: pebble checks HTTP-01 where a real CA does.
CONFIG = """{
  "pebble": {
    "listenAddress": "127.0.0.1:14000",
    "managementListenAddress": "127.0.0.1:15000",
    "certificate": "/etc/pebble/localhost.pem",
    "privateKey": "/etc/pebble/localhost.key",
    "httpPort": 80,
    "tlsPort": 443,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
"""


def start_pebble(container: str) -> None:
    """Pebble on the container's 127.0.0.1:14000 (DIRECTORY), its HTTPS certificate in the trust store."""

    def run(*command: str) -> str:
        return sh("podman", "exec", container, *command)

    run(
        "sh",
        "-c",
        "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pebble"
        " ca-certificates curl >/dev/null",
    )
    run("mkdir", "-p", "/etc/pebble")
    run("sh", "-c", f"cat > /etc/pebble/config.json <<'EOF'\n{CONFIG}EOF")
    # The package has no certificate for pebble's own HTTPS: a self-signed one for localhost.
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        "/etc/pebble/localhost.key",
        "-out",
        "/etc/pebble/localhost.pem",
    )
    run("cp", "/etc/pebble/localhost.pem", "/usr/local/share/ca-certificates/pebble-localhost.crt")
    run("update-ca-certificates")
    # No random sleeps before validation, no random nonce rejections: the tests are about certbot and postdove.
    run(
        "systemd-run",
        "--unit=pebble",
        "-E",
        "PEBBLE_VA_NOSLEEP=1",
        "-E",
        "PEBBLE_WFE_NONCEREJECT=0",
        "pebble",
        "-config",
        "/etc/pebble/config.json",
    )
    run("sh", "-c", f"for i in $(seq 50); do curl -sf {DIRECTORY} >/dev/null && exit 0; sleep 0.2; done")


def save_pebble_root(container: str) -> str:
    """Pebble's root of this start (a new one each start) saved in the container; its path there."""
    sh("podman", "exec", container, "sh", "-c", f"curl -sf https://localhost:15000/roots/0 > {ROOT_FILE}")
    return ROOT_FILE
