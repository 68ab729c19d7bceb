"""A nearly full queue or mail filesystem gives temporary refusals and deferrals, never loss.

A lab container gets two small loop-mounted ext4 filesystems, one as Postfix's
queue (/var/spool/postfix) and one as /home (the Maildirs), and is provisioned
with site.yml. Filling the queue filesystem must make smtpd answer 452 4.3.1;
filling the mail filesystem must leave the message deferred (4.3.0) in the
queue, delivered exactly once when space returns. Needs root (losetup, mount)
and runs as its own tools/test stage (marker "lab").
"""

from __future__ import annotations

import smtplib
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from postdove.testing.lab import PROJECT, converge, sh, start_container, write_inventory
from postdove.testing.proof_log import record

pytestmark = pytest.mark.lab

NAME = "postdove-fullfs"
SSH_PORT = 2235
SIZES_MB = {"queue": 48, "mail": 24}
SMTPD_MINFREE = 15 * 1024 * 1024  # smtpd wants 1.5 x message_size_limit (10 MB) free


def in_server(command: str) -> str:
    return sh("podman", "exec", NAME, "sh", "-c", command)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = PROJECT / ".lab/fullfs"
    mounts = {}
    for name, size in SIZES_MB.items():
        image, mount = work / f"{name}.img", work / name
        mount.mkdir(parents=True, exist_ok=True)
        subprocess.run(["umount", str(mount)], capture_output=True)
        image.unlink(missing_ok=True)
        sh("truncate", "-s", f"{size}M", str(image))
        sh("mkfs.ext4", "-q", "-F", str(image))
        sh("mount", "-o", "loop", str(image), str(mount))
        mounts[name] = mount
    try:
        address = start_container(
            NAME, SSH_PORT, "--volume", f"{mounts['queue']}:/var/spool/postfix", "--volume", f"{mounts['mail']}:/home"
        )
        result = converge(write_inventory(tmp_path_factory.mktemp("inventory"), NAME, SSH_PORT))
        assert result.returncode == 0, result.stdout[-3000:]
        yield address
    finally:
        subprocess.run(["podman", "rm", "-f", NAME], capture_output=True)
        for mount in mounts.values():
            subprocess.run(["umount", str(mount)], capture_output=True)
        for name in SIZES_MB:
            (work / f"{name}.img").unlink(missing_ok=True)


def fill(directory: str, leave_bytes: int) -> None:
    """Take all but `leave_bytes` of the filesystem holding `directory` with one file."""
    free = int(in_server(f"df -B1 --output=avail {directory} | tail -n1"))
    in_server(f"fallocate -l {max(free - leave_bytes, 4096)} {directory}/postdove-filler")


def unfill(directory: str) -> None:
    in_server(f"rm -f {directory}/postdove-filler")


def send(address: str, token: str) -> None:
    with smtplib.SMTP(address, 25, timeout=30) as smtp:
        smtp.sendmail("someone@example.net", ["hello@hello.com"], f"Subject: {token}\r\n\r\n{token}\r\n")


def copies_delivered(token: str) -> int:
    return int(in_server(f"grep -l -r -F -- {token} /home/hello/Maildir/new /home/hello/Maildir/cur | wc -l"))


def wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_full_queue_filesystem_refuses_mail_with_452(server):
    token = f"fullqueue-{uuid.uuid4().hex[:10]}"
    fill("/var/spool/postfix", SMTPD_MINFREE // 2)
    try:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            send(server, token)
        code, text = refused.value.smtp_code, refused.value.smtp_error.decode()
        record("fault", "queue filesystem nearly full", f"{code} {text}", 400 <= code < 500)
        assert (code, text.split()[0]) == (452, "4.3.1"), text
    finally:
        unfill("/var/spool/postfix")
    send(server, token)
    assert wait_for(lambda: copies_delivered(token) == 1)


def test_full_mail_filesystem_defers_then_delivers_once(server):
    token = f"fullmail-{uuid.uuid4().hex[:10]}"
    fill("/home", 0)
    try:
        send(server, token)
        assert wait_for(lambda: "No space left on device" in in_server("postqueue -j"), timeout=60)
        deferred = in_server("journalctl -o cat -t postfix/local | grep 'dsn=4.3.0, status=deferred' || true")
        record(
            "fault",
            "mail filesystem full",
            "accepted; delivery deferred dsn=4.3.0 until space returned",
            bool(deferred),
        )
        assert "No space left on device" in deferred and copies_delivered(token) == 0
    finally:
        unfill("/home")
    in_server("postqueue -f")
    assert wait_for(lambda: copies_delivered(token) == 1)
    assert wait_for(lambda: in_server("postqueue -j") == "")
