"""install-collections - take the collections postdove needs out of the `ansible` wheel.

Galaxy is out of reach here, but PyPI's `ansible` package bundles every
collection. Installing it whole costs about 440 MB; this extracts only the
ones listed below (about 16 MB) into DEST/ansible_collections.
"""

from __future__ import annotations

import glob
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# ansible 9.x is the bundle built for ansible-core 2.16.
ANSIBLE_BUNDLE = "ansible>=9.13,<10"
COLLECTIONS = ("containers/podman", "community/crypto", "ansible/posix")


def download_bundle(into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(into), ANSIBLE_BUNDLE],
        check=True,
    )
    return Path(glob.glob(str(into / "ansible-*.whl"))[0])


def extract(wheel: Path, dest: Path) -> None:
    prefixes = tuple(f"ansible_collections/{name}/" for name in COLLECTIONS)
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith(prefixes)]
        archive.extractall(dest, members)


def main(argv: list[str]) -> int:
    dest = Path(argv[1] if len(argv) > 1 else ".collections")
    if all((dest / "ansible_collections" / name / "MANIFEST.json").is_file() for name in COLLECTIONS):
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        extract(download_bundle(Path(tmp)), dest)
    print(f"install-collections: {', '.join(COLLECTIONS)} -> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
