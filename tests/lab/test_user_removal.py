"""Removing users never deletes mail silently (issue 12): left out keeps all, absent keeps the mail, remove_mail purges.

One Debian 12 container is converged with four users, mail is delivered to
each, then converged again with one user left out of the inventory, one
`state: absent` and one `state: absent, remove_mail: true`.
"""

from __future__ import annotations

import re
import time

import pytest
import yaml

from postdove.testing.lab import converge, lab_host, sh

pytestmark = pytest.mark.lab

NAME = "postdove-users"
SSH_PORT = 2250
USERS = ["test", "hello", "bob", "carol"]


def user(name: str, **more: object) -> dict[str, object]:
    return {"name": name, "password": f"{name}-lab-password", **more}


def run(*command: str) -> str:
    return sh("podman", "exec", NAME, *command)


def exists(path: str) -> bool:
    return run("sh", "-c", f"test -e {path} && echo yes || echo no").strip() == "yes"


def has_mail(name: str) -> bool:
    return bool(run("sh", "-c", f"ls /home/{name}/Maildir/new 2>/dev/null || true").split())


def account(name: str) -> bool:
    return run("sh", "-c", f"id -u {name} >/dev/null 2>&1 && echo yes || echo no").strip() == "yes"


def deliver_to(name: str, timeout: float = 30.0) -> None:
    run("sh", "-c", f"echo kept | su -s /bin/sh test -c 'mail -s for-{name} {name}@hello.com'")
    deadline = time.monotonic() + timeout
    while not has_mail(name):
        assert time.monotonic() < deadline, f"no mail reached {name}"
        time.sleep(0.5)


@pytest.fixture
def four_users(tmp_path):
    with lab_host(tmp_path, NAME, SSH_PORT, mail_users=[user(name) for name in USERS]) as lab:
        yield lab.inventory


def with_users(hosts, users: list[dict[str, object]]) -> None:
    inventory = yaml.safe_load(hosts.read_text())
    inventory["mailservers"]["hosts"][NAME]["mail_users"] = users
    hosts.write_text(yaml.safe_dump(inventory))


def test_users_leave_as_the_inventory_says_and_mail_goes_only_on_request(four_users):
    first = converge(four_users)
    assert first.returncode == 0, first.stdout[-4000:]
    for name in USERS:
        deliver_to(name)

    with_users(
        four_users,
        [user("test"), user("bob", state="absent"), {"name": "carol", "state": "absent", "remove_mail": True}],
    )
    second = converge(four_users)
    assert second.returncode == 0, second.stdout[-4000:]

    # hello was only left out of the inventory: nothing of theirs changes.
    assert account("hello") and has_mail("hello")
    # bob's account is gone, his mail is not.
    assert not account("bob") and has_mail("bob")
    # carol asked for everything to go.
    assert not account("carol") and not exists("/home/carol")

    third = converge(four_users)
    assert third.returncode == 0 and re.search(r"changed=0\s", third.stdout), third.stdout[-3000:]
