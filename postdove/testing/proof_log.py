"""The suite's record of attacks, bad inputs, secrets checks and faults, for its summary.

Tests call record(); tools/test prints the totals (tools/security-summary).
"""

from __future__ import annotations

import json
import os


def record(kind: str, name: str, outcome: str, refused: bool) -> None:
    """Note an attack, bad input or fault and what came of it, for the suite's summary.

    Appends one JSON line to $POSTDOVE_SECURITY_SUMMARY (tools/test prints the totals).
    """
    path = os.environ.get("POSTDOVE_SECURITY_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"kind": kind, "name": name, "outcome": outcome, "refused": refused}) + "\n")
