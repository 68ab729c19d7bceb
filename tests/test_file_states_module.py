"""plugins/modules/file_states.py, run by Ansible as the mail role runs it, read by in_place."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import pwd
import subprocess
from pathlib import Path

from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("files", PROJECT / "plugins/test/files.py")
assert _spec and _spec.loader
files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(files)


def _file_states(paths: list[str], content: list[str]) -> dict:
    """The module's result, from ansible on localhost with the project's ansible.cfg."""
    args = json.dumps({"paths": paths, "content": content})
    env = {**os.environ, "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "json"}
    run = subprocess.run(
        ["ansible", "localhost", "-c", "local", "-m", "postdove.mailserver.file_states", "-a", args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


def test_files_directories_and_globs_are_read_and_missing_paths_left_out(tmp_path: Path) -> None:
    (tmp_path / "postfix").mkdir()
    main_cf = tmp_path / "postfix" / "main.cf"
    main_cf.write_text("myhostname = server.hello.com\n")
    main_cf.chmod(0o640)
    (tmp_path / "postfix" / "sub").mkdir()
    (tmp_path / "postfix" / "sub" / "deeper.cf").write_text("not read\n")
    (tmp_path / "postfix" / "link.cf").symlink_to(main_cf)
    (tmp_path / "unit.service.d").mkdir()
    (tmp_path / "unit.service.d" / "postdove-restart.conf").write_text("[Service]\n")
    (tmp_path / "aliases").write_text("postmaster: root\n")

    result = _file_states(
        [
            str(tmp_path / "postfix"),
            str(tmp_path / "*.d" / "postdove-restart.conf"),
            str(tmp_path / "aliases"),
            str(tmp_path / "absent"),
            str(tmp_path / "postfix"),
        ],
        [str(tmp_path / "aliases"), str(tmp_path / "absent")],
    )

    assert result["changed"] is False
    paths = [entry["path"] for entry in result["files"]]
    # One level of a directory, no symbolic links, each file once, nothing for what is absent.
    dropin = tmp_path / "unit.service.d" / "postdove-restart.conf"
    assert paths == [str(main_cf), str(dropin), str(tmp_path / "aliases")]
    owner = pwd.getpwuid(os.getuid()).pw_name
    assert result["files"][0] == {
        "path": str(main_cf),
        "checksum": hashlib.sha1(main_cf.read_bytes()).hexdigest(),
        "pw_name": owner,
        "gr_name": result["files"][0]["gr_name"],
        "mode": "0640",
    }
    assert result["contents"] == {str(tmp_path / "aliases"): base64.b64encode(b"postmaster: root\n").decode()}
    # What the roles' in_place test reads.
    group = result["files"][0]["gr_name"]
    assert files.in_place("myhostname = server.hello.com\n", result, str(main_cf), owner, group, "0640")
    assert not files.in_place("myhostname = other\n", result, str(main_cf), owner, group, "0640")
