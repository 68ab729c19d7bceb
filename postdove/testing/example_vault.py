"""The example inventory's secrets in clear: its mail passwords, as an admin's mail client would
know them, and vaulted strings in the scenarios' host_vars."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLE_VARS = PROJECT / "inventories/example/group_vars/mailservers"
VAULT_PASSWORD_FILE = PROJECT / "inventories/example/vault-password"


def example_passwords() -> dict[str, str]:
    """User name -> password, decrypted from the example vault with its published lab password."""
    plain = subprocess.run(
        [
            "ansible-vault",
            "view",
            "--vault-password-file",
            str(VAULT_PASSWORD_FILE),
            str(EXAMPLE_VARS / "vault.yml"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    secrets = yaml.safe_load(plain)
    return {"test": secrets["vault_mail_password_test"], "hello": secrets["vault_mail_password_hello"]}


def vaulted_string(path: Path, name: str) -> str:
    """The clear text of the `!vault` string `name` in the YAML file `path` (ansible-vault encrypt_string)."""

    class VaultTextLoader(yaml.SafeLoader):
        pass

    VaultTextLoader.add_constructor("!vault", lambda loader, node: loader.construct_scalar(node))
    ciphertext = yaml.load(path.read_text(), Loader=VaultTextLoader)[name]
    secret = VaultSecret(VAULT_PASSWORD_FILE.read_bytes().strip())
    return VaultLib([("default", secret)]).decrypt(ciphertext).decode()
