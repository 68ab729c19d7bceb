"""A postdove server upgraded from Debian 12 to 13 keeps all its mail; re-running site.yml finishes the job.

One lab container of Debian 12 is provisioned with LMTP delivery and given
mail: three messages read over IMAP (flags, a keyword, one moved to a folder,
so UIDs, flags and folders exist) and two more left in Postfix's queue while
Dovecot's LMTP socket is unreachable. Then it is upgraded as Debian documents
(sources to trixie, `apt-get full-upgrade`, conffile prompts answered with
their defaults: keep the admin's version) and site.yml runs again.

Debian's own upgrade cannot finish: dovecot-core's configure step fails,
because Dovecot 2.4 refuses the 2.3 configuration. The re-run must leave
Dovecot 2.4 on 2.4 syntax, Postfix 3.10 in its new unit, every message with
its UID and flags, the queued ones delivered once, the old passwords working,
and TLS passing the same scan.
"""

from __future__ import annotations

import imaplib
import re
import smtplib
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from postdove.testing.example_vault import example_passwords
from postdove.testing.lab import Result, converge, lab_host, sh
from postdove.testing.proof_log import record
from postdove.testing.tls_scanning import profile_issues, scan_endpoints

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning"),
]

NAME = "postdove-upgrade"
SSH_PORT = 2247
LMTP_SOCKET = "/var/spool/postfix/private/dovecot-lmtp"
# Debian's documented way: keep the admin's files at every conffile prompt.
FULL_UPGRADE = (
    "sed -i 's/bookworm/trixie/g' /etc/apt/sources.list && apt-get update -q && "
    "DEBIAN_FRONTEND=noninteractive apt-get full-upgrade -y -q "
    "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
)


def in_server(command: str) -> str:
    return sh("podman", "exec", NAME, "sh", "-c", command)


def send_as_test(subject: str) -> None:
    """The guide's own check: mail(1) run by user test."""
    in_server(f"echo 'upgrade test' | su -s /bin/sh test -c \"mail -s {subject} hello@hello.com\"")


def maildir_copies(subject: str) -> int:
    """Message files (not Dovecot's caches) in any of hello's folders with this subject."""
    messages = "find /home/hello/Maildir -path '*/new/*' -o -path '*/cur/*'"
    found = in_server(f"{messages} | xargs -r grep -lx 'Subject: {subject}' || true")
    return len(found.split())


def wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(1)
    return False


def imap(address: str, user: str) -> imaplib.IMAP4_SSL:
    # The certificate is the host's own self-signed one; this test checks mail, the scan checks TLS.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    client = imaplib.IMAP4_SSL(address, 993, ssl_context=context)
    client.login(user, example_passwords()[user])
    return client


def mailbox_state(address: str) -> dict[str, tuple[str, list[tuple[int, str, str]]]]:
    """Each of hello's mailboxes: UIDVALIDITY and (UID, sorted flags, subject) per message."""
    client = imap(address, "hello")
    state = {}
    for mailbox in ("INBOX", "Archive"):
        client.select(mailbox, readonly=True)
        uidvalidity = client.response("UIDVALIDITY")[1][0].decode()
        _, data = client.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        messages = []
        for item in data:
            if isinstance(item, tuple):
                meta, header = item[0].decode(), item[1].decode()
                uid = int(re.search(r"UID (\d+)", meta).group(1))
                flags = " ".join(sorted(re.search(r"FLAGS \(([^)]*)\)", meta).group(1).replace("\\Recent", "").split()))
                messages.append((uid, flags, header.strip().removeprefix("Subject: ")))
        state[mailbox] = (uidvalidity, sorted(messages))
    client.logout()
    return state


def tls_issues(address: str, anchor: Path) -> dict[int, dict[str, str]]:
    return {port: profile_issues(result, "intermediate") for port, result in scan_endpoints(address, anchor).items()}


@dataclass
class Upgrade:
    address: str
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    queued: list[str] = field(default_factory=list)
    apt_upgrade: Result | None = None
    rerun: Result | None = None
    second_rerun: Result | None = None
    tls_before: dict = field(default_factory=dict)
    tls_after: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upgrade]:
    work = tmp_path_factory.mktemp("upgrade")
    with lab_host(work, NAME, SSH_PORT, debian="12", mail_delivery="lmtp") as lab:
        hosts, address = lab.inventory, lab.address
        first = converge(hosts)
        assert first.returncode == 0, failure(first)
        run = Upgrade(address)

        subjects = [f"kept-{n}" for n in range(1, 4)]
        for subject in subjects:
            send_as_test(subject)
        assert wait_for(lambda: all(maildir_copies(s) == 1 for s in subjects))
        client = imap(address, "hello")
        client.create("Archive")
        client.select("INBOX")
        client.uid("STORE", "1", "+FLAGS", "(\\Seen)")
        client.uid("STORE", "2", "+FLAGS", "(\\Flagged $Important)")
        client.uid("COPY", "3", "Archive")
        client.uid("STORE", "3", "+FLAGS", "(\\Deleted)")
        client.expunge()
        client.logout()
        run.before = mailbox_state(address)

        # Dovecot runs on, but its LMTP socket is closed to Postfix: mail waits in the queue.
        in_server(f"chmod 0000 {LMTP_SOCKET}")
        run.queued = [f"queued-{n}" for n in range(1, 3)]
        for subject in run.queued:
            send_as_test(subject)
        assert wait_for(lambda: in_server("postqueue -p | tail -n1").count("2 Requests") == 1)

        anchor = work / "cert.pem"
        anchor.write_text(in_server("cat /etc/ssl/certs/postdove-mail.pem"))
        run.tls_before = tls_issues(address, anchor)

        run.apt_upgrade = subprocess.run(
            ["podman", "exec", NAME, "sh", "-c", FULL_UPGRADE], capture_output=True, text=True
        )
        run.rerun = converge(hosts, "--diff")
        run.second_rerun = converge(hosts)
        # An admin need not wait for the next queue run.
        in_server("postqueue -f")
        wait_for(lambda: all(maildir_copies(s) >= 1 for s in run.queued))
        time.sleep(3)  # a second copy, were there one, would arrive by now
        run.after = mailbox_state(address)
        run.tls_after = tls_issues(address, anchor)
        yield run


def failure(result: Result) -> str:
    """The failed task and its message, or the output's end."""
    out = result.stdout
    return out[max(out.find("fatal:") - 300, 0) :][:3000] if "fatal:" in out else out[-3000:]


def changed_tasks(result: Result) -> list[str]:
    """The names of the tasks that reported a change, in order."""
    names, task = [], ""
    for line in result.stdout.splitlines():
        if line.startswith(("TASK [", "RUNNING HANDLER [")):
            task = line.split("[", 1)[1].split("]")[0]
        elif line.startswith("changed:") and (not names or names[-1] != task):
            names.append(task)
    return names


def test_rerun_succeeds_and_says_what_it_changed(upgrade):
    apt = upgrade.apt_upgrade
    record("upgrade", "apt-get full-upgrade 12 -> 13 alone", f"rc {apt.returncode}", True)
    assert upgrade.rerun.returncode == 0, failure(upgrade.rerun)
    changed = changed_tasks(upgrade.rerun)
    record("upgrade", "site.yml re-run after the upgrade", "changed: " + "; ".join(changed), True)
    assert "dovecot : Ensure the Dovecot configuration is rendered and valid" in changed
    assert "postfix : Ensure main.cf and master.cf are rendered and valid" in changed


def test_second_rerun_changes_nothing(upgrade):
    assert upgrade.second_rerun.returncode == 0
    assert re.search(r"changed=0\s", upgrade.second_rerun.stdout), changed_tasks(upgrade.second_rerun)


def test_dovecot_24_runs_on_24_syntax_and_postfix_310_in_its_new_unit(upgrade):
    assert in_server("dovecot --version").startswith("2.4.")
    assert "dovecot_config_version = 2.4" in in_server("doveconf -n 2>&1")
    assert in_server("dpkg-query -W -f='${db:Status-Abbrev}' dovecot-core postfix").split() == ["ii", "ii"]
    assert in_server("systemctl is-active postfix.service dovecot.service").split() == ["active", "active"]
    assert in_server("systemctl is-active postfix@-.service || true").strip() == "inactive"
    # The running master is the new binary, not the 3.7 one the upgrade left running.
    started = in_server("journalctl -o cat -t postfix/master | grep 'daemon started' | tail -n1")
    assert "version 3.10." in started, started
    assert in_server("postconf -h mail_version").startswith("3.10.")


def test_every_message_keeps_its_uid_flags_and_folder(upgrade):
    for mailbox, (uidvalidity, messages) in upgrade.before.items():
        after_validity, after_messages = upgrade.after[mailbox]
        assert after_validity == uidvalidity, mailbox
        kept = [m for m in after_messages if not m[2].startswith("queued-")]
        assert kept == messages, mailbox
    record("upgrade", "IMAP UIDs, flags, keywords, folders across 12 -> 13", "all kept", True)


def test_mail_queued_before_the_upgrade_is_delivered_once(upgrade):
    copies = {subject: maildir_copies(subject) for subject in upgrade.queued}
    record("upgrade", "mail queued across the upgrade", f"copies delivered: {copies}", set(copies.values()) == {1})
    assert set(copies.values()) == {1}, copies


def test_users_log_in_with_their_old_passwords(upgrade):
    passwords = example_passwords()
    for user in passwords:
        imap(upgrade.address, user).logout()
    with smtplib.SMTP(upgrade.address, 587, timeout=30) as smtp:
        smtp.starttls(context=ssl._create_unverified_context())
        smtp.login("test", passwords["test"])


def test_tls_passes_the_same_scan_after_the_upgrade(upgrade):
    assert upgrade.tls_before == {port: {} for port in upgrade.tls_before}, upgrade.tls_before
    assert upgrade.tls_after == upgrade.tls_before, upgrade.tls_after
