"""mail_relayhost: outgoing mail leaves through a smarthost that wants AUTH after STARTTLS.

The smarthost is a second container with Debian's stock Postfix, set up by
hand the way a provider's is: the submission port 587 takes mail only from a
client that logged in over TLS (Dovecot checks the password), and it
delivers outside.test to a local mailbox. The postdove server (Debian 12)
sends to an outside address: the message must arrive, sent over TLS and
authenticated; a domain mail_transport_maps routes elsewhere goes past it.
With a wrong password the next message stays queued (deferred, not bounced,
not lost) and leaves once the password is right.
Neither password appears in the playbook's output, --diff included.
Then mail_relayhost_tls: verify, with the smarthost named as its certificate
names it: while the server does not trust the CA that signed it, mail waits in
the queue; once the system's CAs include it, the mail leaves over verified TLS.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator

import pytest

from postdove.testing.containers import container_address
from postdove.testing.lab import converge, lab_host, sh
from postdove.testing.proof_log import record

pytestmark = pytest.mark.lab

SERVER = "postdove-relay-client"
SSH_PORT = 2252
SMARTHOST = "postdove-smarthost"
SMARTHOST_NAME = f"{SMARTHOST}.dns.podman"  # its name in the lab network's DNS (aardvark-dns)
PASSWORD = "right-relay-password"
WRONG_PASSWORD = "wrong-relay-password"

# Debian's stock Postfix with a submission port that requires TLS and then AUTH, its
# certificate for SMARTHOST_NAME signed by a CA of its own (relay-ca.pem).
SMARTHOST_SETUP = f"""
set -e
cd /etc/ssl
openssl req -x509 -newkey rsa:2048 -nodes -keyout relay-ca.key -out relay-ca.pem -days 2 -subj /CN=relay-test-ca
openssl req -newkey rsa:2048 -nodes -keyout private/relay.key -out relay.csr -subj /CN={SMARTHOST_NAME}
echo subjectAltName=DNS:{SMARTHOST_NAME} > relay.ext
openssl x509 -req -in relay.csr -CA relay-ca.pem -CAkey relay-ca.key -CAcreateserial -days 2 \\
    -extfile relay.ext -out certs/relay.pem
chmod 640 private/relay.key
cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
postconf -e myhostname=smarthost.relay.test 'mydestination=smarthost.relay.test, outside.test, direct.test' \\
    inet_protocols=ipv4 mynetworks=127.0.0.0/8 maillog_file=/var/log/postfix.log \\
    alias_maps= alias_database= mailbox_command= \\
    smtpd_tls_cert_file=/etc/ssl/certs/relay.pem smtpd_tls_key_file=/etc/ssl/private/relay.key \\
    smtpd_tls_security_level=may smtpd_tls_loglevel=1 smtpd_sasl_type=dovecot smtpd_sasl_path=private/auth
postconf -M 'submission/inet=submission inet n - n - - smtpd'
postconf -P submission/inet/smtpd_tls_security_level=encrypt submission/inet/smtpd_sasl_auth_enable=yes \\
    submission/inet/smtpd_tls_auth_only=yes \\
    submission/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject \\
    submission/inet/smtpd_recipient_restrictions=permit_sasl_authenticated,reject
useradd -m outsider
cat > /etc/dovecot/dovecot.conf <<'EOF'
protocols =
ssl = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN /etc/dovecot/relay-users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup
}}
service auth {{
  unix_listener /var/spool/postfix/private/auth {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
EOF
echo 'relayuser:{{PLAIN}}{PASSWORD}' > /etc/dovecot/relay-users
dovecot
postfix start
"""


def on(container: str, script: str) -> str:
    return sh("podman", "exec", container, "sh", "-c", script)


def wait_for(container: str, script: str, timeout: float = 60.0) -> str:
    """The output of `script` once it is not empty (or empty after `timeout`)."""
    deadline = time.monotonic() + timeout
    while not (out := on(container, f"{script} 2>/dev/null || true").strip()) and time.monotonic() < deadline:
        time.sleep(1)
    return out


def arrived(subject: str) -> str:
    """How many copies of `subject` the outsider's mailbox holds, once it holds one (grep -c prints 0 at once)."""
    return wait_for(SMARTHOST, f"grep -c '^Subject: {subject}' /var/mail/outsider | grep -vx 0")


def send(subject: str, to: str = "outsider@outside.test") -> None:
    on(SERVER, f"echo body | su -s /bin/sh test -c \"mail -s '{subject}' {to}\"")


@pytest.fixture
def smarthost() -> Iterator[str]:
    """The smarthost's address on the lab network (tools/test sourced lab/env.sh; tools/setup built the image)."""
    image, network = os.environ["POSTDOVE_DAEMONS_IMAGE_DEBIAN12"], os.environ["POSTDOVE_NETWORK"]
    sh("sh", "-c", f"podman network exists {network} || podman network create {network} >/dev/null")
    subprocess.run(["podman", "rm", "-f", SMARTHOST], capture_output=True)
    sh("podman", "run", "-d", "--name", SMARTHOST, "--network", network, image, "sleep", "infinity")
    try:
        on(SMARTHOST, SMARTHOST_SETUP)
        yield container_address(SMARTHOST)
    finally:
        subprocess.run(["podman", "rm", "-f", SMARTHOST], capture_output=True)


def test_mail_leaves_through_the_smarthost_authenticated_and_waits_out_a_wrong_password(smarthost, tmp_path):
    login = {"mail_relayhost_username": "relayuser", "mail_relayhost_password": PASSWORD}
    # direct.test goes past the smarthost: to its port 25, as to any MX.
    routes = {"mail_transport_maps": {"direct.test": f"smtp:[{smarthost}]:25"}}
    with lab_host(tmp_path, SERVER, SSH_PORT, mail_relayhost=f"[{smarthost}]:587", **login, **routes) as lab:
        first = converge(lab.inventory, "--diff")
        assert first.returncode == 0, first.stdout[-4000:]
        leaked = PASSWORD in first.stdout + first.stderr
        record("secret", "smarthost password in --diff output", "leaked" if leaked else "not shown", not leaked)
        assert not leaked
        for table in ("postdove_relay_password", "postdove_relay_password.db"):
            assert on(SERVER, f"stat -c '%a %U' /etc/postfix/{table}").strip() == "600 root", table

        send("through the smarthost")
        mailbox = arrived("through the smarthost")
        assert mailbox == "1", on(SERVER, "journalctl -o cat -t postfix/smtp | tail -n 20; postqueue -p")
        client_log = on(SERVER, "journalctl -o cat -t postfix/smtp")
        assert f"relay={smarthost}[{smarthost}]:587" in client_log and "status=sent" in client_log
        assert f"TLS connection established to {smarthost}[{smarthost}]:587" in client_log
        send("past the smarthost", to="outsider@direct.test")
        assert arrived("past the smarthost") == "1"
        routed = on(SERVER, "journalctl -o cat -t postfix/smtp | grep 'to=<outsider@direct.test>'")
        tables = "postconf transport_maps relayhost; cat /etc/postfix/postdove_transport; ls -l /etc/postfix"
        assert f"relay={smarthost}[{smarthost}]:25," in routed, on(SERVER, tables)
        server_log = on(SMARTHOST, "cat /var/log/postfix.log")
        assert "sasl_method=PLAIN, sasl_username=relayuser" in server_log
        assert "TLS connection established from" in server_log

        # A wrong password: the message waits in the queue, deferred.
        wrong = converge(lab.inventory, "--diff", "-e", f"mail_relayhost_password={WRONG_PASSWORD}")
        assert wrong.returncode == 0, wrong.stdout[-4000:]
        assert WRONG_PASSWORD not in wrong.stdout + wrong.stderr and PASSWORD not in wrong.stdout + wrong.stderr
        send("after a wrong password")
        reason = wait_for(SERVER, "postqueue -j | grep -o 'SASL authentication failed[^\"]*'")
        record("fault", "wrong smarthost password", f"held in the queue: {reason or 'no'}", bool(reason))
        assert reason, on(SERVER, "postqueue -p")
        assert "through the smarthost" not in on(SERVER, "postqueue -p")

        # The right password again: the queued message leaves, once.
        right = converge(lab.inventory)
        assert right.returncode == 0, right.stdout[-4000:]
        on(SERVER, "postqueue -f")
        assert arrived("after a wrong password") == "1"
        assert wait_for(SERVER, '[ -z "$(postqueue -j)" ] && echo empty') == "empty"
        assert on(SMARTHOST, "grep -c '^Subject: ' /var/mail/outsider").strip() == "3"

        # verify: the smarthost by the DNS name its certificate holds; its CA not trusted yet.
        verify = {"mail_relayhost": f"[{SMARTHOST_NAME}]:587", "mail_relayhost_tls": "verify"}
        verifying = converge(lab.inventory, "-e", json.dumps(verify))
        assert verifying.returncode == 0, verifying.stdout[-4000:]
        send("to an untrusted smarthost")
        reason = wait_for(SERVER, "postqueue -j | grep -o 'Server certificate not verified[^\"]*'")
        record("attack", "smarthost certificate from an unknown CA, verify", f"held: {reason or 'no'}", bool(reason))
        assert reason, on(SERVER, "postqueue -p; journalctl -o cat -t postfix/smtp | tail -n 5")
        refused = on(SERVER, "journalctl -o cat -t postfix/smtp")
        assert f"certificate verification failed for {SMARTHOST_NAME}" in refused, refused[-2000:]
        assert "untrusted issuer /CN=relay-test-ca" in refused, refused[-2000:]

        # The CA among the system's: the held message leaves, over verified TLS, once.
        ca = on(SMARTHOST, "cat /etc/ssl/relay-ca.pem")
        on(SERVER, f"cat > /usr/local/share/ca-certificates/relay-test-ca.crt <<'EOF'\n{ca}EOF\n")
        on(SERVER, "update-ca-certificates >/dev/null && postfix reload && postqueue -f")
        assert arrived("to an untrusted smarthost") == "1"
        verified = on(SERVER, "journalctl -o cat -t postfix/smtp")
        assert f"Verified TLS connection established to {SMARTHOST_NAME}[{smarthost}]:587" in verified
