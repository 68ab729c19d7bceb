"""The daemons run with a clean configuration, listen where the guide says, and guard their secrets."""

import pytest

# 4190: ManageSieve, on in both scenarios (their virtual mailboxes are delivered by LMTP).
PORTS = [25, 465, 587, 110, 143, 993, 995, 4190]


@pytest.mark.parametrize("port", PORTS)
def test_port_listens(server, port):
    assert server.socket(f"tcp://0.0.0.0:{port}").is_listening, f"nothing listens on {port}"


def test_postfix_check_is_clean(server):
    result = server.run("postfix check")
    assert (result.rc, result.stdout + result.stderr) == (0, "")


def test_postconf_has_no_warnings(server):
    result = server.run("postconf -n")
    assert result.rc == 0 and result.stderr == ""


def test_doveconf_is_clean(server):
    result = server.run("doveconf -n")
    assert result.rc == 0 and result.stderr == "", result.stderr


def test_auth_socket_is_postfix_only(server):
    socket = server.file("/var/spool/postfix/private/auth")
    assert socket.is_socket
    assert (socket.user, socket.group, socket.mode) == ("postfix", "postfix", 0o660)


def test_lmtp_carries_local_mail_only_in_lmtp_mode(server, mail_delivery):
    # The socket itself is there in both scenarios: virtual mailboxes (mail_virtual_domains) use it.
    socket = server.file("/var/spool/postfix/private/dovecot-lmtp")
    assert socket.is_socket
    assert (socket.user, socket.group, socket.mode) == ("postfix", "postfix", 0o600)
    transport = server.run("postconf -h mailbox_transport").stdout.strip()
    assert transport == ("lmtp:unix:private/dovecot-lmtp" if mail_delivery == "lmtp" else "")
    assert server.run("postconf -h virtual_transport").stdout.strip() == "lmtp:unix:private/dovecot-lmtp"


def test_private_key_is_root_only(server, tls_files):
    key = server.file(tls_files["key"])
    assert (key.user, key.group, key.mode) == ("root", "root", 0o600)


@pytest.mark.parametrize("user", ["test", "hello"])
def test_mail_user_has_private_maildir_and_hashed_password(server, user):
    maildir = server.file(f"/home/{user}/Maildir")
    assert (maildir.is_directory, maildir.user, maildir.mode) == (True, user, 0o700)
    shadow = server.run(f"getent shadow {user}").stdout.split(":")
    assert shadow[1].startswith("$6$"), "the password must be stored as a SHA-512 crypt hash"


def test_certificate_names_the_host_and_domain(server, inventory, tls_files):
    # -text rather than -ext subjectAltName: EL7's OpenSSL 1.0.2 lacks -ext.
    text = server.run(f"openssl x509 -noout -text -in {tls_files['cert']}").stdout
    assert f"DNS:{inventory['mail_hostname']}" in text and f"DNS:{inventory['mail_domain']}" in text


def test_hosts_entries_are_one_managed_block(server):
    hosts = server.file("/etc/hosts").content_string
    block = hosts.split("# BEGIN postdove mail_hosts_entries\n")[1].split("# END postdove mail_hosts_entries")[0]
    assert block == "127.0.1.1\tserver.hello.com server\n"


def test_certificate_comes_from_the_tls_mode(server, tls_mode, tls_files):
    subject = server.run(f"openssl x509 -noout -subject -in {tls_files['cert']}").stdout
    assert ("postdove provided test" in subject) == (tls_mode == "provided"), subject


@pytest.mark.parametrize(
    ("validator", "config_file", "broken_line"),
    [
        ("postdove-validate-postfix", "main.cf", "smtpd_tls_securty_level = may"),
        ("postdove-validate-postfix", "master.cf", "bogus unix - - n - -"),
        ("postdove-validate-dovecot", "conf.d/10-ssl.conf", "ssl_min_protocl = TLSv1.2"),
        ("postdove-validate-dovecot", "dovecot.conf", "protocols = imap {"),
    ],
)
def test_validator_refuses_a_broken_config_and_leaves_the_live_one(server, validator, config_file, broken_line):
    """The roles' `validate:` step: a typo must fail it, and the live file must not change."""
    live = "/etc/postfix/" if validator.endswith("postfix") else "/etc/dovecot/"
    before = server.file(live + config_file).sha256sum
    result = server.run(
        f"cp {live}{config_file} /tmp/candidate && echo '{broken_line}' >>/tmp/candidate && "
        f"{validator} /tmp/candidate {config_file}"
    )
    assert result.rc != 0, f"{validator} accepted {broken_line!r}"
    assert server.file(live + config_file).sha256sum == before
