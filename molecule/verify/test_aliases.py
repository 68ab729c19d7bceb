"""/etc/aliases and ~/.forward: root, postmaster, a list alias, and a system user's forward."""

from __future__ import annotations

import pytest

from postdove.testing.mail import unique_subject, wait_for_mail

BEGIN = "# BEGIN postdove: mail_aliases"


def send_locally(server, recipient: str, subject: str) -> None:
    sent = server.run(f"runuser -u hello -- sh -c 'echo alias test | mail -s {subject} {recipient}'")
    assert sent.rc == 0, sent.stderr


def test_the_managed_block_comes_first_and_the_distributions_postmaster_line_is_shadowed(server):
    lines = server.file("/etc/aliases").content_string.splitlines()
    assert lines[0].startswith(BEGIN)
    block = lines[: lines.index("# END postdove") + 1]
    assert "root: test" in block
    assert "postmaster: root" in block
    assert "team: test, hello" in block
    # Debian's own "postmaster: root" stays, commented, and comes back if postdove stops managing it.
    rest = lines[len(block) :]
    assert not any(line.startswith("postmaster:") for line in rest)
    assert server.check_output("postalias -q team $(postconf -h alias_maps | cut -d, -f1)") == "test, hello"


@pytest.mark.parametrize("recipient", ["root", "postmaster@hello.com"])
def test_root_and_postmaster_reach_the_first_mail_user(server, recipient):
    subject = unique_subject("admin")
    send_locally(server, recipient, subject)
    assert wait_for_mail(server, "test", subject), f"mail to {recipient} did not reach test"


def test_a_list_alias_delivers_to_every_member(server):
    subject = unique_subject("team")
    send_locally(server, "team@hello.com", subject)
    assert wait_for_mail(server, "test", subject)
    assert wait_for_mail(server, "hello", subject)


def test_a_system_users_forward_file_redirects_their_mail(server):
    subject = unique_subject("forward")
    forward = server.run("runuser -u hello -- sh -c 'echo test > ~/.forward && chmod 0644 ~/.forward'")
    assert forward.rc == 0, forward.stderr
    try:
        send_locally(server, "hello@hello.com", subject)
        assert wait_for_mail(server, "test", subject), "hello's ~/.forward did not send the mail to test"
        assert wait_for_mail(server, "hello", subject, timeout=2) == []
    finally:
        server.run("rm -f /home/hello/.forward")
