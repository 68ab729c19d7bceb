"""SMTP from another host: AUTH on 465 and 587 delivers; AUTH without TLS, a wrong password and relaying are refused."""

import pytest

from postdove.testing.mail import send_with_swaks, unique_subject, wait_for_mail

# swaks flags for each way in: implicit TLS on 465, STARTTLS on 587.
TLS_MODES = {465: "--tlsc", 587: "--tls"}


def auth_as_test(password: str) -> str:
    return f"--auth PLAIN --auth-user test --auth-password '{password}' --from test@hello.com"


@pytest.mark.postfix_tls
@pytest.mark.parametrize("port", [465, 587])
def test_authenticated_submission_delivers(client, server, server_name, passwords, port):
    subject = unique_subject(f"auth-{port}")
    options = f"--port {port} {TLS_MODES[port]} {auth_as_test(passwords['test'])} --to hello@hello.com"
    result = send_with_swaks(client, server_name, options, subject)
    assert result.rc == 0, result.stdout
    assert len(wait_for_mail(server, "hello", subject)) == 1


@pytest.mark.postfix_tls
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


@pytest.mark.postfix_tls
def test_wrong_password_is_refused(client, server_name):
    options = f"--port 465 --tlsc {auth_as_test('not-the-password')} --to hello@hello.com"
    result = send_with_swaks(client, server_name, options, unique_subject("wrong-password"))
    assert result.rc != 0
    assert "535 5.7.8" in result.stdout


def test_unauthenticated_relay_is_refused(client, server_name):
    options = "--port 25 --from spammer@example.net --to victim@example.org"
    result = send_with_swaks(client, server_name, options, unique_subject("relay"))
    assert result.rc != 0
    assert "554 5.7.1" in result.stdout and "Relay access denied" in result.stdout


def test_inbound_mail_for_the_domain_is_accepted_without_a_warning(client, server, server_name):
    since = server.check_output("date +%s")
    subject = unique_subject("inbound")
    options = "--port 25 --from friend@example.net --to hello@hello.com"
    result = send_with_swaks(client, server_name, options, subject)
    assert result.rc == 0, result.stdout
    assert len(wait_for_mail(server, "hello", subject)) == 1
    # A warning per inbound message (once: a sender check that port 25, without
    # SASL, cannot apply) floods the log and costs the logger CPU under load.
    warnings = server.run(f"journalctl --since @{since} -t postfix/smtpd -o cat | grep 'warning:'").stdout
    assert warnings == "", warnings


@pytest.mark.postfix_without_tls
def test_sasl_in_clear_text_on_25_where_postfix_has_no_tls(client, server, server_name, passwords):
    # The el-daemons scenario's EL7 inventory: AUTH on 25, smtpd_tls_auth_only = no.
    subject = unique_subject("auth-25")
    to_hello = "--port 25 --to hello@hello.com"
    result = send_with_swaks(client, server_name, f"{to_hello} {auth_as_test(passwords['test'])}", subject)
    assert result.rc == 0, result.stdout
    assert "235 2.7.0" in result.stdout
    assert len(wait_for_mail(server, "hello", subject)) == 1
    wrong = send_with_swaks(client, server_name, f"{to_hello} {auth_as_test('not-the-password')}", subject)
    assert "535 5.7.8" in wrong.stdout
    # Logged in as test, sending as hello: the sender-login check holds on 25 too.
    login = f"--auth PLAIN --auth-user test --auth-password '{passwords['test']}'"
    spoofed = send_with_swaks(client, server_name, f"{to_hello} {login} --from hello@hello.com", subject)
    assert "553 5.7.1" in spoofed.stdout
