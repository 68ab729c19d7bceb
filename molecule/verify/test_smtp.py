"""SMTP from another host: AUTH on 465 and 587 delivers; AUTH without TLS, a wrong password and relaying are refused."""

import shlex

import pytest
from conftest import unique_subject, wait_for_mail

# swaks flags for each way in: implicit TLS on 465, STARTTLS on 587.
TLS_MODES = {465: "--tlsc", 587: "--tls"}


def swaks(client, server_name, *args):
    return client.run("swaks --server " + shlex.quote(server_name) + " " + " ".join(shlex.quote(a) for a in args))


@pytest.mark.parametrize("port", [465, 587])
def test_authenticated_submission_delivers(client, server, server_name, passwords, port):
    subject = unique_subject(f"auth-{port}")
    result = swaks(
        client,
        server_name,
        "--port",
        str(port),
        TLS_MODES[port],
        "--auth",
        "PLAIN",
        "--auth-user",
        "test",
        "--auth-password",
        passwords["test"],
        "--from",
        "test@hello.com",
        "--to",
        "hello@hello.com",
        "--header",
        f"Subject: {subject}",
    )
    assert result.rc == 0, result.stdout
    assert len(wait_for_mail(server, "hello", subject)) == 1


def test_auth_before_starttls_is_refused(client, server_name, passwords):
    # Speak SMTP directly: swaks will not even try AUTH when it is not offered.
    script = f"""
import base64, smtplib
s = smtplib.SMTP({server_name!r}, 587, timeout=20)
s.ehlo("client.example.net")
print("AUTH offered:", s.has_extn("auth"))
code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\\0test\\0" + {passwords["test"]!r}.encode()).decode())
print(code, text.decode())
"""
    out = client.check_output("python3 -c %s", script)
    assert "AUTH offered: False" in out
    code = int(out.splitlines()[-1].split()[0])
    assert 500 <= code < 600, out


def test_wrong_password_is_refused(client, server_name):
    result = swaks(
        client,
        server_name,
        "--port",
        "465",
        "--tlsc",
        "--auth",
        "PLAIN",
        "--auth-user",
        "test",
        "--auth-password",
        "not-the-password",
        "--from",
        "test@hello.com",
        "--to",
        "hello@hello.com",
    )
    assert result.rc != 0
    assert "535 5.7.8" in result.stdout


def test_unauthenticated_relay_is_refused(client, server_name):
    result = swaks(client, server_name, "--port", "25", "--from", "spammer@example.net", "--to", "victim@example.org")
    assert result.rc != 0
    assert "554 5.7.1" in result.stdout and "Relay access denied" in result.stdout


def test_inbound_mail_for_the_domain_is_accepted(client, server, server_name):
    subject = unique_subject("inbound")
    result = swaks(
        client,
        server_name,
        "--port",
        "25",
        "--from",
        "friend@example.net",
        "--to",
        "hello@hello.com",
        "--header",
        f"Subject: {subject}",
    )
    assert result.rc == 0, result.stdout
    assert len(wait_for_mail(server, "hello", subject)) == 1
