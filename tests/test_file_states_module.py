"""plugins/modules/file_states.py, run by Ansible as the mail role runs it, read by in_place."""

from __future__ import annotations

import base64
import grp
import hashlib
import importlib.util
import json
import os
import pwd
import subprocess
from pathlib import Path

from postdove.testing.ansible import run_module_on_localhost
from postdove.testing.project import PROJECT

_spec = importlib.util.spec_from_file_location("files", PROJECT / "plugins/test/files.py")
assert _spec and _spec.loader
files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(files)


def _file_states(paths: list[str], content: list[str], directories: list[str] | None = None) -> dict:
    """The module's result, from ansible on localhost with the project's ansible.cfg."""
    args = {"paths": paths, "content": content, "directories": directories or []}
    result = run_module_on_localhost("postdove.mailserver.file_states", args)
    assert not result.get("failed"), result
    return result


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
    (tmp_path / "keys" / "hello.com").mkdir(parents=True)
    (tmp_path / "keys" / "hello.com").chmod(0o700)

    result = _file_states(
        [
            str(tmp_path / "postfix"),
            str(tmp_path / "*.d" / "postdove-restart.conf"),
            str(tmp_path / "aliases"),
            str(tmp_path / "absent"),
            str(tmp_path / "postfix"),
        ],
        [str(tmp_path / "aliases"), str(tmp_path / "absent")],
        [str(tmp_path / "keys" / "*"), str(tmp_path / "absent-directory"), str(tmp_path / "aliases")],
    )

    assert result["changed"] is False
    paths = [entry["path"] for entry in result["files"]]
    # One level of a directory, no symbolic links, each file once, nothing for what is absent.
    dropin = tmp_path / "unit.service.d" / "postdove-restart.conf"
    key_directory = tmp_path / "keys" / "hello.com"
    # A directory of `directories`, once, after the files; a file or an absent path there is left out.
    assert paths == [str(main_cf), str(dropin), str(tmp_path / "aliases"), str(key_directory)]
    owner = pwd.getpwuid(os.getuid()).pw_name
    assert result["files"][0] == {
        "path": str(main_cf),
        "checksum": hashlib.sha1(main_cf.read_bytes()).hexdigest(),
        "pw_name": owner,
        "gr_name": result["files"][0]["gr_name"],
        "mode": "0640",
        "mtime": main_cf.stat().st_mtime,
    }
    assert result["files"][3] == {
        "path": str(key_directory),
        "isdir": True,
        "pw_name": owner,
        "gr_name": result["files"][3]["gr_name"],
        "mode": "0700",
        "mtime": key_directory.stat().st_mtime,
    }
    assert files.owned(result, str(key_directory), owner, result["files"][3]["gr_name"], "0700")
    assert result["contents"] == {str(tmp_path / "aliases"): base64.b64encode(b"postmaster: root\n").decode()}
    # What the roles' in_place test reads.
    group = result["files"][0]["gr_name"]
    assert files.in_place("myhostname = server.hello.com\n", result, str(main_cf), owner, group, "0640")
    assert not files.in_place("myhostname = other\n", result, str(main_cf), owner, group, "0640")


MARKER = "# {mark} postdove mail_hosts_entries"
BLOCK = "192.0.2.10\tserver.hello.com\n"
BEGIN, END = "# BEGIN postdove mail_hosts_entries\n", "# END postdove mail_hosts_entries\n"
# name: (file content, block; an empty block is state: absent)
HOSTS_FILES = {
    "at-end": ("127.0.0.1\tlocalhost\n" + BEGIN + BLOCK + END, BLOCK),
    "in-the-middle": (BEGIN + BLOCK + END + "::1\tlocalhost\n", BLOCK),
    "twice": (BEGIN + "old\n" + END + BEGIN + BLOCK + END, BLOCK),
    "other-entry": (BEGIN + "192.0.2.11\tserver.hello.com\n" + END, BLOCK),
    "no-block": ("127.0.0.1\tlocalhost\n", BLOCK),
    "no-final-newline": (BEGIN + BLOCK + END.rstrip("\n"), BLOCK),
    "absent-as-wanted": ("127.0.0.1\tlocalhost\n", ""),
    "absent-to-remove": ("127.0.0.1\tlocalhost\n" + BEGIN + BLOCK + END, ""),
}


def test_block_in_place_agrees_with_blockinfile(tmp_path: Path) -> None:
    """blockinfile itself, in check mode, is the oracle for each /etc/hosts shape."""
    for name, (content, _block) in HOSTS_FILES.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "at-end").chmod(0o600)  # only its mode differs
    (tmp_path / "at-end-0644").write_text(HOSTS_FILES["at-end"][0])
    cases = {**HOSTS_FILES, "at-end-0644": HOSTS_FILES["at-end"]}
    paths = [str(tmp_path / name) for name in cases]
    owner = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    playbook = tmp_path / "blockinfile.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                    "tasks": [
                        {
                            "ansible.builtin.blockinfile": {
                                "path": "{{ item.0 }}",
                                "marker": MARKER,
                                "block": "{{ item.1 }}",
                                "state": "{{ item.1 | ternary('present', 'absent') }}",
                                "owner": owner,
                                "group": group,
                                "mode": "0644",
                            },
                            "loop": [[path, case[1]] for path, case in zip(paths, cases.values(), strict=True)],
                            "check_mode": True,
                        },
                        {"postdove.mailserver.file_states": {"paths": paths, "content": paths}},
                    ],
                }
            ]
        )
    )
    env = {**os.environ, "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "json"}
    run = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    tasks = json.loads(run.stdout)["plays"][0]["tasks"]
    changed = [item["changed"] for item in tasks[0]["hosts"]["localhost"]["results"]]
    found = tasks[1]["hosts"]["localhost"]

    in_place = [
        files.block_in_place(case[1], found, path, MARKER, owner, group, "0644")
        for path, case in zip(paths, cases.values(), strict=True)
    ]
    assert dict(zip(cases, in_place, strict=True)) == {
        name: not was_changed for name, was_changed in zip(cases, changed, strict=True)
    }
    assert in_place.count(True) == 4, "at-end-0644, in-the-middle, twice, absent-as-wanted"
