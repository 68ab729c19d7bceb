"""A configuration error caught by validation leaves the running server as it was, still delivering."""

from __future__ import annotations

import json

import pytest

from postdove.testing.ansible import failed_tasks, run_converge
from postdove.testing.mail import unique_subject, wait_for_mail
from postdove.testing.proof_log import record

# One error per daemon that only its validator can catch: a misspelt main.cf
# parameter from the inventory, and (injected past the inventory checks, as a
# template bug would be) a protocol Dovecot does not have.
BAD_CHANGES = {
    "postfix": ({"postfix_maincf_extra": {"smtpd_tls_bogus_parameter": "yes"}}, "/etc/postfix/main.cf", "master"),
    "dovecot": ({"__dovecot_protocols": ["imap", "nosuchproto"]}, "/etc/dovecot/dovecot.conf", "dovecot"),
}


@pytest.mark.parametrize("daemon", BAD_CHANGES)
def test_rejected_template_leaves_the_server_running_and_delivering(server, daemon):
    extra_vars, live_file, process = BAD_CHANGES[daemon]
    before = server.file(live_file).sha256sum
    pid_before = server.check_output(f"pgrep -o -x {process}")

    result = run_converge("-e", json.dumps(extra_vars))

    # Molecule's Ansible settings send failures to stderr.
    refused = result.returncode != 0 and "failed to validate" in result.stdout + result.stderr
    record("bad input", f"{daemon} template with an error", "validation refused it; server untouched", refused)
    if not refused:
        pytest.fail(f"rc={result.returncode}\n{failed_tasks(result.stdout + result.stderr)}")
    assert server.file(live_file).sha256sum == before
    assert server.check_output(f"pgrep -o -x {process}") == pid_before, "no restart, no reload"
    token = unique_subject(f"after-bad-{daemon}")
    server.check_output(f"echo {token} | runuser -u test -- mail -s {token} hello@hello.com")
    assert len(wait_for_mail(server, "hello", token)) == 1


def test_an_alias_written_by_a_refused_run_is_built_by_the_next(server):
    """/etc/aliases is written before main.cf is validated, its database after: the next run builds it."""
    aliases = {"mail_aliases": {"team": ["test", "hello"], "staff": ["test"]}}
    refused = run_converge("-e", json.dumps({**aliases, **BAD_CHANGES["postfix"][0]}))
    assert refused.returncode != 0 and "staff: test" in server.file("/etc/aliases").content_string
    try:
        fixed = run_converge("-e", json.dumps(aliases))
        assert fixed.returncode == 0, failed_tasks(fixed.stdout + fixed.stderr)
        query = "postalias -q staff $(postconf -h alias_maps | cut -d, -f1)"
        assert server.check_output(query) == "test"
    finally:
        restored = run_converge()
        assert restored.returncode == 0, failed_tasks(restored.stdout + restored.stderr)
