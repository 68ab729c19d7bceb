"""Removing users never deletes mail silently (issue 12): left out keeps all, absent keeps the mail, remove_mail purges.

One Debian 12 container is converged with four system users and four virtual
users (mail_virtual_domains), mail is delivered to each, then converged again
with one of each kind left out of the inventory, one `state: absent` and one
`state: absent, remove_mail: true`. Last, dropping the virtual domain while an
account of it is still on the host is refused before any change.
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest
import yaml

from postdove.testing.ansible import failed_tasks
from postdove.testing.lab import converge, lab_host, sh

pytestmark = pytest.mark.lab

NAME = "postdove-users"
SSH_PORT = 2250
USERS = ["test", "hello", "bob", "carol"]
VIRTUAL = ["vtest", "vhello", "vbob", "vcarol"]


def user(name: str, **more: object) -> dict[str, object]:
    return {"name": name, "password": f"{name}-lab-password", **more}


def virtual(name: str, **more: object) -> dict[str, object]:
    return {"address": f"{name}@hello.info", "password": f"{name}-lab-password", **more}


def run(*command: str) -> str:
    return sh("podman", "exec", NAME, *command)


def exists(path: str) -> bool:
    return run("sh", "-c", f"test -e {path} && echo yes || echo no").strip() == "yes"


def maildir(name: str) -> str:
    return f"/var/vmail/hello.info/{name}/Maildir" if name in VIRTUAL else f"/home/{name}/Maildir"


def address(name: str) -> str:
    return f"{name}@hello.info" if name in VIRTUAL else f"{name}@hello.com"


def has_mail(name: str) -> bool:
    return bool(run("sh", "-c", f"ls {maildir(name)}/new 2>/dev/null || true").split())


def can_log_in(name: str) -> bool:
    result = subprocess.run(
        ["podman", "exec", NAME, "doveadm", "auth", "test", address(name), f"{name}-lab-password"],
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


def postfix_knows(name: str) -> bool:
    maps = run("postconf", "-h", "virtual_mailbox_maps").strip()
    found = subprocess.run(["podman", "exec", NAME, "postmap", "-q", address(name), maps], capture_output=True)
    return found.returncode == 0


def account(name: str) -> bool:
    return run("sh", "-c", f"id -u {name} >/dev/null 2>&1 && echo yes || echo no").strip() == "yes"


def deliver_to(name: str, timeout: float = 30.0) -> None:
    run("sh", "-c", f"echo kept | su -s /bin/sh test -c 'mail -s for-{name} {address(name)}'")
    deadline = time.monotonic() + timeout
    while not has_mail(name):
        assert time.monotonic() < deadline, f"no mail reached {name}"
        time.sleep(0.5)


@pytest.fixture
def four_users(tmp_path):
    domains = {"hello.info": {"users": [virtual(name) for name in VIRTUAL]}}
    with lab_host(
        tmp_path, NAME, SSH_PORT, mail_users=[user(name) for name in USERS], mail_virtual_domains=domains
    ) as lab:
        yield lab.inventory


def with_users(hosts, users: list[dict[str, object]], domains: dict[str, object]) -> None:
    inventory = yaml.safe_load(hosts.read_text())
    inventory["mailservers"]["hosts"][NAME]["mail_users"] = users
    inventory["mailservers"]["hosts"][NAME]["mail_virtual_domains"] = domains
    hosts.write_text(yaml.safe_dump(inventory))


def test_users_leave_as_the_inventory_says_and_mail_goes_only_on_request(four_users):
    first = converge(four_users)
    assert first.returncode == 0, first.stdout[-4000:]
    for name in USERS + VIRTUAL:
        deliver_to(name)

    with_users(
        four_users,
        [user("test"), user("bob", state="absent"), {"name": "carol", "state": "absent", "remove_mail": True}],
        {
            "hello.info": {
                "users": [
                    virtual("vtest"),
                    virtual("vbob", state="absent"),
                    {"address": "vcarol@hello.info", "state": "absent", "remove_mail": True},
                ]
            }
        },
    )
    second = converge(four_users)
    assert second.returncode == 0, second.stdout[-4000:]
    assert "Kept with their mail: vhello@hello.info" in second.stdout

    # hello was only left out of the inventory: nothing of theirs changes.
    assert account("hello") and has_mail("hello")
    # bob's account is gone, his mail is not.
    assert not account("bob") and has_mail("bob")
    # carol asked for everything to go.
    assert not account("carol") and not exists("/home/carol")
    # The same for the virtual users: vhello still logs in and receives mail.
    assert can_log_in("vhello") and postfix_knows("vhello") and has_mail("vhello")
    assert not can_log_in("vbob") and not postfix_knows("vbob") and has_mail("vbob")
    assert not can_log_in("vcarol") and not postfix_knows("vcarol") and not exists("/var/vmail/hello.info/vcarol")
    assert can_log_in("vtest")

    third = converge(four_users)
    assert third.returncode == 0 and re.search(r"changed=0\s", third.stdout), third.stdout[-3000:]

    # Dropping the domain while vhello's account is still there: refused, nothing changed.
    before = run("sha256sum", "/etc/dovecot/postdove-users", "/etc/postfix/main.cf")
    with_users(four_users, [user("test")], {})
    fourth = converge(four_users)
    assert fourth.returncode != 0
    refusal = (
        "mail_virtual_domains no longer lists hello.info, whose accounts are still on the host: "
        "vtest@hello.info, vhello@hello.info."
    )
    output = fourth.stdout + fourth.stderr
    assert refusal in " ".join(output.split()), failed_tasks(output)
    assert run("sha256sum", "/etc/dovecot/postdove-users", "/etc/postfix/main.cf") == before
