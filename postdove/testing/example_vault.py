"""The example inventory's mail passwords in clear, as an admin's mail client would know them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLE_VARS = PROJECT / "inventories/example/group_vars/mailservers"


def example_passwords() -> dict[str, str]:
    """User name -> password, decrypted from the example vault with its published lab password."""
    plain = subprocess.run(
        [
            "ansible-vault",
            "view",
            "--vault-password-file",
            str(PROJECT / "inventories/example/vault-password"),
            str(EXAMPLE_VARS / "vault.yml"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    secrets = yaml.safe_load(plain)
    return {"test": secrets["vault_mail_password_test"], "hello": secrets["vault_mail_password_hello"]}
