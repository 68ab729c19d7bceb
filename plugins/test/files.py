"""Test `in_place`: is a file on the host already as a task would write it?

The template and copy modules cost two round trips per file even when nothing
changes (a stat, then the file module for owner and mode): most of a re-run's
time (issue 13). The mail role reads every role's files once with
plugins/modules/file_states.py (the shape of ansible.builtin.find's result,
which these tests read too) and each role skips the tasks whose file is in place:

    when: lookup('ansible.builtin.template', 'main.cf.j2')
          is not postdove.mailserver.in_place(__postfix_files, '/etc/postfix/main.cf')

Only an exact match skips: content (SHA-1, as find and file_states report it), owner, group
and mode; `owned` checks the last three only (for a key or certificate whose
content a module reads, or a directory); `listed` whether it was there at all;
`block_in_place` a blockinfile block, in a file whose content the reading
returned; `up_to_date` whether a database was built since its source changed.
Anything else, a file the reading did not list included, runs the task, which
then decides as always. Unit-tested in tests/test_skip_tests.py.
"""

from __future__ import annotations

import base64
import hashlib


def in_place(
    content: str, found: dict, path: str, owner: str = "root", group: str = "root", mode: str = "0644"
) -> bool:
    """True when `found` (a find result) lists `path` with this content, owner, group and mode."""
    checksum = hashlib.sha1(content.encode("utf-8")).hexdigest()  # the readings report SHA-1
    entry = _entry(found, path)
    return entry.get("checksum") == checksum and owned(found, path, owner, group, mode)


def owned(found: dict, path: str, owner: str = "root", group: str = "root", mode: str = "0644") -> bool:
    """True when `found` (a find result) lists `path` with this owner, group and mode."""
    entry = _entry(found, path)
    return entry.get("pw_name") == owner and entry.get("gr_name") == group and entry.get("mode") == mode


def listed(found: dict, path: str) -> bool:
    """True when `found` (a find result) lists `path`: the file was there when it was read."""
    return bool(_entry(found, path))


def up_to_date(found: dict, database: str, source: str) -> bool:
    """True when `found` lists `database` modified no earlier than `source`: built since its source changed."""
    built, changed = _entry(found, database).get("mtime"), _entry(found, source).get("mtime")
    return built is not None and changed is not None and built >= changed


def block_in_place(
    block: str, found: dict, path: str, marker: str, owner: str = "root", group: str = "root", mode: str = "0644"
) -> bool:
    """True when blockinfile would leave `path` as it is: `block` between its markers (or, empty, no block)."""
    encoded = found.get("contents", {}).get(path)
    if encoded is None:
        return False  # unread
    text = base64.b64decode(encoded).decode("utf-8", "replace")
    if not text.endswith("\n"):
        return False  # blockinfile would add the missing newline
    lines = text.splitlines(keepends=True)
    begin, end = marker.replace("{mark}", "BEGIN") + "\n", marker.replace("{mark}", "END") + "\n"
    # blockinfile replaces from the last BEGIN to the last END.
    first = max((i for i, line in enumerate(lines) if line == begin), default=None)
    last = max((i for i, line in enumerate(lines) if line == end), default=None)
    if not block:
        in_place = first is None or last is None
    else:
        wanted = [begin, *(block if block.endswith("\n") else block + "\n").splitlines(keepends=True), end]
        in_place = first is not None and last is not None and lines[first : last + 1] == wanted
    return in_place and owned(found, path, owner, group, mode)


def _entry(found: dict, path: str) -> dict:
    """`path`'s entry in a find result; empty when find did not list it."""
    return next((entry for entry in found.get("files", []) if entry.get("path") == path), {})


class TestModule:
    def tests(self) -> dict[str, object]:
        return {
            "in_place": in_place,
            "owned": owned,
            "listed": listed,
            "up_to_date": up_to_date,
            "block_in_place": block_in_place,
        }
