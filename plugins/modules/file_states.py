#!/usr/bin/python
# Runs on every target's Python, CentOS 7's 2.7 included: no f-strings, no annotations.
"""Read what postdove's roles need to know about the files they write, in one round trip."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: file_states
short_description: Checksum, owner, group, mode and mtime of many files in one round trip
description:
  - Reads each regular file at I(paths); a directory stands for the regular files in it
    (not its subdirectories); a glob stands for what it matches.
  - A path that does not exist is left out in silence (ansible.builtin.find warns); on a
    bare host /etc/postfix is not there yet, and a file not listed is one to write.
  - Symbolic links are left out, as ansible.builtin.find leaves them out.
  - I(files) has ansible.builtin.find's shape, which plugins/test/files.py reads.
  - Each directory of I(directories) is listed too (its owner, group and mode, no checksum),
    for the tasks that make directories.
options:
  paths:
    description: Files, directories and globs to read.
    type: list
    elements: path
    required: true
  directories:
    description: Directories and globs whose own owner, group and mode are read.
    type: list
    elements: path
    default: []
  content:
    description: Files whose content is returned too, base64-encoded (small public files such as /etc/aliases).
    type: list
    elements: path
    default: []
"""

RETURN = r"""
files:
  description: >-
    One entry per regular file, with path, checksum (SHA-1), pw_name, gr_name, mode ("0644")
    and mtime (seconds since the epoch); one per directory of I(directories), with isdir true
    and no checksum.
  type: list
  returned: always
contents:
  description: The base64 content of each file of I(content) that exists.
  type: dict
  returned: always
"""

import base64
import glob
import grp
import hashlib
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def _sha1(path):
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()


def _matches(path):
    """What `path` names: itself, or what its glob matches, sorted."""
    return sorted(glob.glob(path)) if glob.has_magic(path) else [path]


def _is_directory(path):
    return os.path.isdir(path) and not os.path.islink(path)


def _regular_files(path):
    """The regular files `path` stands for, sorted; none when it does not exist."""
    found = []
    for match in _matches(path):
        if _is_directory(match):
            found.extend(os.path.join(match, name) for name in sorted(os.listdir(match)))
        else:
            found.append(match)
    return [name for name in found if os.path.lexists(name) and stat.S_ISREG(os.lstat(name).st_mode)]


def _directories(path):
    """The directories `path` stands for (itself, or what its glob matches), sorted."""
    return [name for name in _matches(path) if _is_directory(name)]


def file_state(path):
    status = os.lstat(path)
    state = {
        "path": path,
        "pw_name": _name(pwd.getpwuid, status.st_uid),
        "gr_name": _name(grp.getgrgid, status.st_gid),
        "mode": "%04o" % stat.S_IMODE(status.st_mode),
        "mtime": status.st_mtime,
    }
    if stat.S_ISDIR(status.st_mode):
        state["isdir"] = True
    else:
        state["checksum"] = _sha1(path)
    return state


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "path", "required": True},
            "directories": {"type": "list", "elements": "path", "default": []},
            "content": {"type": "list", "elements": "path", "default": []},
        },
        supports_check_mode=True,
    )
    seen = set()
    files = []
    for path in module.params["paths"]:
        for name in _regular_files(path):
            if name not in seen:
                seen.add(name)
                files.append(file_state(name))
    for path in module.params["directories"]:
        for name in _directories(path):
            if name not in seen:
                seen.add(name)
                files.append(file_state(name))
    contents = {}
    for path in module.params["content"]:
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                contents[path] = base64.b64encode(handle.read()).decode("ascii")
    module.exit_json(changed=False, files=files, contents=contents)


if __name__ == "__main__":
    main()
