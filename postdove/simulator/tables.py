"""tables - the Postfix lookup tables the simulator can read (docs/simulator.md §3.2).

A parameter such as transport_maps lists tables, searched in order: the first
table with the key wins. `inline:{ key=value, ... }` is read as written; the
file types (hash, lmdb, btree, cdb, dbm, texthash) are read from their source
text, the file postmap was given (`hash:/etc/postfix/transport` reads
/etc/postfix/transport): `key value` lines, `#` comments, and lines that start
with white space continuing the one before (postmap(1)).
"""

from __future__ import annotations

import re
from pathlib import Path

FILE_TYPES = ("hash", "lmdb", "btree", "cdb", "dbm", "texthash")
_INLINE = re.compile(r"^inline:\s*\{(.*)\}$", re.DOTALL)


def load(name: str, value: str) -> dict[str, str]:
    """All entries of the tables `value` lists; for a key in several, the first table's (keys lower-cased)."""
    entries: dict[str, str] = {}
    for table in split_tables(value):
        for key, result in read(name, table).items():
            entries.setdefault(key, result)
    return entries


def split_tables(value: str) -> list[str]:
    """`a:x, inline:{ k=v, k2=v2 } b:y` into its tables: commas and white space outside braces separate."""
    tables, current, depth = [], "", 0
    for char in value:
        depth += (char == "{") - (char == "}")
        if depth == 0 and (char == "," or char.isspace()):
            if current:
                tables.append(current)
            current = ""
        else:
            current += char
    if current:
        tables.append(current)
    return tables


def read(name: str, table: str) -> dict[str, str]:
    if match := _INLINE.match(table):
        return inline(name, match.group(1))
    kind, _, path = table.partition(":")
    if kind not in FILE_TYPES or not path:
        raise ValueError(
            f"{name}: the simulator cannot read {table!r}; it reads inline:{{...}} and the source files of "
            f"{', '.join(FILE_TYPES)} maps (e.g. {name} = hash:/etc/postfix/transport)"
        )
    try:
        return source_file(Path(path))
    except OSError as error:
        raise ValueError(
            f"{name}: {table} needs its source file {path} ({error.strerror}); run the simulator where "
            f"it is, or give the entries as {name} = inline:{{ example.org=smtp:[192.0.2.10]:25 }}"
        ) from None


def inline(name: str, body: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for item in re.split(r"[\s,]+(?=[^\s,=]+=)", body.strip()):
        key, sep, result = item.strip(" ,").partition("=")
        if not sep:
            raise ValueError(f"{name}: entry {item!r} is not key=value")
        entries[key.strip().lower()] = result.strip()
    return entries


def source_file(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    last = ""
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and last:
            entries[last] += " " + line.strip()
            continue
        key, *result = re.split(r"\s+", line.strip(), maxsplit=1)
        last = key.lower()
        entries[last] = result[0] if result else ""
    return entries
