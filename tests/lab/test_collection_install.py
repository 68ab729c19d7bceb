"""The roles built as the collection postdove.mailserver provision a host from an empty project.

A user who installs collections does not clone this repository: they run
`ansible-galaxy collection install` and name the roles by their fully
qualified names. This builds the collection (galaxy.yml), installs the
tarball into a new project directory with nothing else of postdove's, writes a
playbook that uses postdove.mailserver.<role>, converges a fresh lab container
with it, runs it again for idempotence, and sends the guide's test mail.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from postdove.testing.ansible import run_playbook
from postdove.testing.lab import PROJECT, guide_check_arrives, lab_host

pytestmark = pytest.mark.lab

NAME = "postdove-collection"
SSH_PORT = 2249
ROLES = ["mail_host", "mail_firewall", "mail_tls", "mail_users", "postfix", "dovecot"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty playbook project with the collection (and its dependencies) installed in ./collections."""
    built = run("ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), str(PROJECT), cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = next(tmp_path.glob("postdove-mailserver-*.tar.gz"))
    project = tmp_path / "project"
    project.mkdir()
    # Galaxy is unreachable here: the dependencies come from tools/setup's copy of the PyPI bundle.
    # --force: Molecule (ansible-compat) installs this checkout as postdove.mailserver into
    # ~/.ansible/collections, and ansible-galaxy would then call the tarball already installed.
    installed = run(
        "ansible-galaxy",
        "collection",
        "install",
        "--force",
        "--no-deps",
        "-p",
        "collections",
        str(tarball),
        cwd=project,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (project / "ansible.cfg").write_text(
        "[defaults]\n"
        f"collections_path = {project / 'collections'}:{PROJECT / '.collections'}\n"
        f"vault_password_file = {PROJECT / 'inventories/example/vault-password'}\n"
        "interpreter_python = auto_silent\n"
        "[ssh_connection]\npipelining = true\n"
    )
    plays = [
        {
            "name": "A mail server from the postdove.mailserver collection",
            "hosts": "mailservers",
            "become": True,
            "gather_facts": False,
            "roles": [{"role": f"postdove.mailserver.{role}"} for role in ROLES],
        }
    ]
    (project / "mail.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    return project


def test_the_collection_provisions_the_guides_server(project: Path) -> None:
    assert not (project / "roles").exists()
    # The environment names the paths too: a caller's ANSIBLE_COLLECTIONS_PATH would override ansible.cfg.
    own_config = {
        "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": f"{project / 'collections'}:{PROJECT / '.collections'}",
        "ANSIBLE_ROLES_PATH": str(project / "roles"),
    }
    installed = sorted(str(p.relative_to(project)) for p in (project / "collections").glob("*/*/*/roles/*"))
    assert "collections/ansible_collections/postdove/mailserver/roles/mail_host" in installed, installed
    with lab_host(project, NAME, SSH_PORT) as lab:
        first = run_playbook(lab.inventory, project / "mail.yml", cwd=project, env=own_config)
        assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
        assert "postdove.mailserver.postfix : " in first.stdout
        second = run_playbook(lab.inventory, project / "mail.yml", cwd=project, env=own_config)
        assert second.returncode == 0 and re.search(r"changed=0\s", second.stdout), second.stdout[-3000:]
        assert guide_check_arrives(NAME), "the guide's mail did not arrive"
