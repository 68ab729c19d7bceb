"""Run ansible-playbook the way the tests need it: one runner for every caller."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from postdove.testing.project import PROJECT

Result = subprocess.CompletedProcess[str]


def run_playbook(
    inventory: Path,
    playbook: Path = PROJECT / "site.yml",
    *options: str,
    ansible_playbook: str = "ansible-playbook",
    env: dict[str, str] | None = None,
    cwd: Path = PROJECT,
    timeout: float = 900,
) -> Result:
    """ansible-playbook -i INVENTORY PLAYBOOK OPTIONS..., output captured, colour off; `env` adds to ours."""
    return subprocess.run(
        [ansible_playbook, "-i", str(inventory), str(playbook), *options],
        cwd=cwd,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_module_on_localhost(module: str, args: dict[str, object], *options: str) -> dict:
    """One module's result as ansible (ad hoc, local, the project's ansible.cfg) reports it; fails or not."""
    run = subprocess.run(
        ["ansible", "localhost", "-c", "local", *options, "-m", module, "-a", json.dumps(args)],
        cwd=PROJECT,
        env={**os.environ, "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "json"},
        capture_output=True,
        text=True,
    )
    return json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


def failed_tasks(output: str) -> str:
    """The failure reports in ansible-playbook output (assertion messages get truncated)."""
    lines = output.splitlines()
    marks = [i for i, line in enumerate(lines) if line.startswith(("fatal:", "failed:", "ERROR!"))]
    return "\n".join("\n".join(lines[max(i - 2, 0) : i + 14]) for i in marks) or output[-2000:]


def run_converge(*args: str) -> Result:
    """In a Molecule verifier: run the scenario's converge playbook against its mail servers again.

    POSTDOVE_CONVERGE_PLAYBOOK names it where it is not site.yml (the el-daemons
    scenario's converge.yml); ANSIBLE_* variables of the verifier's env pass through.
    """
    ephemeral = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
    playbook = Path(os.environ.get("POSTDOVE_CONVERGE_PLAYBOOK") or PROJECT / "site.yml")
    env = {
        "ANSIBLE_CONFIG": str(ephemeral / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(PROJECT / "roles"),
        "ANSIBLE_COLLECTIONS_PATH": f"{PROJECT / 'collections'}:{PROJECT / '.collections'}",
        "ANSIBLE_VAULT_PASSWORD_FILE": str(PROJECT / "inventories/example/vault-password"),
    }
    return run_playbook(ephemeral / "inventory", playbook, "--limit", "mailservers", *args, env=env)
