"""hello reads mail over IMAPS (993) and POP3S (995); no password travels in clear text on 143 or 110."""

import pytest

from postdove.testing.mail import send_with_swaks, unique_subject, wait_for_mail


@pytest.fixture(scope="module")
def delivered_subject(client, server, server_name):
    subject = unique_subject("read")
    # Inbound on 25: what is read here, not how it was submitted (test_smtp.py).
    options = "--port 25 --from friend@example.net --to hello@hello.com"
    sent = send_with_swaks(client, server_name, options, subject)
    assert sent.rc == 0, sent.stdout
    assert wait_for_mail(server, "hello", subject)
    return subject


def curl(client, url, password, *extra):
    return client.run(
        f"curl --silent --show-error --insecure --max-time 20 -u 'hello:{password}' {' '.join(extra)} '{url}'"
    )


def test_imaps_reads_the_message(client, server_name, passwords, delivered_subject):
    found = curl(
        client, f"imaps://{server_name}/INBOX", passwords["hello"], "-X", f"'UID SEARCH SUBJECT {delivered_subject}'"
    )
    assert found.rc == 0, found.stderr
    uids = found.stdout.split()[2:]
    assert len(uids) == 1, found.stdout
    # By UID: sequence numbers can shift between two sessions (another test removes mail).
    body = curl(client, f"imaps://{server_name}/INBOX;UID={uids[0]}", passwords["hello"])
    assert delivered_subject in body.stdout


def test_pop3s_reads_the_message(client, server_name, passwords, delivered_subject):
    listing = curl(client, f"pop3s://{server_name}/", passwords["hello"])
    assert listing.rc == 0, listing.stderr
    numbers = [line.split()[0] for line in listing.stdout.splitlines() if line.strip()]
    bodies = [curl(client, f"pop3s://{server_name}/{n}", passwords["hello"]).stdout for n in numbers]
    assert any(delivered_subject in body for body in bodies)


@pytest.mark.parametrize("scheme", ["imap", "pop3"])
def test_cleartext_login_is_refused(client, server_name, passwords, scheme):
    result = curl(client, f"{scheme}://{server_name}/", passwords["hello"])
    assert result.rc != 0, f"{scheme} accepted a password without TLS"


@pytest.mark.parametrize("scheme", ["imap", "pop3"])
def test_starttls_login_works(client, server_name, passwords, scheme):
    result = curl(client, f"{scheme}://{server_name}/", passwords["hello"], "--ssl-reqd")
    assert result.rc == 0, result.stderr
