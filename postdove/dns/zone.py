"""Print records as a zone-file fragment or as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from postdove.dns.records import Record


def zone_fragment(sections: Iterable[tuple[str, list[Record]]], ttl: int) -> str:
    lines: list[str] = []
    for title, records in sections:
        lines.append(f"; {title}")
        width = max((len(record.name) for record in records), default=0)
        for record in records:
            comment = f"  ; {record.comment}" if record.comment else ""
            lines.append(f"{record.name:<{width}} {ttl} IN {record.type:<5} {record.data}{comment}")
        lines.append("")
    return "\n".join(lines)


def as_json(sections: Iterable[tuple[str, list[Record]]], ttl: int) -> str:
    return json.dumps(
        [
            {"name": r.name, "ttl": ttl, "type": r.type, "data": r.data, "section": title}
            for title, records in sections
            for r in records
        ],
        indent=2,
    )
