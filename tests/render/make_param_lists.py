#!/usr/bin/env python3
"""Write the parameter lists the EL render checks compare against (tests/render/params/).

No EL Postfix or Dovecot can be installed here, so each EL version's names are
derived from documentation and the newest daemons we do have:

- Postfix: every parameter in Debian 13's postconf(5) (3.10.13, package
  postfix-doc) whose "available in Postfix X and later" note is satisfied by
  the EL version. A backported feature ("3.8.4, 3.7.9, ... 3.5.23") counts only
  from the listed release of the same stable series.
- Dovecot 2.3.16 (EL8/9) and 2.3.21 (EL10): Debian 12's `doveconf -a` (2.3.19),
  the same 2.3 series.
- Dovecot 2.2.36 (EL7): the 2.3 list without the settings 2.3 added and with
  those it removed, from Dovecot's "Upgrading Dovecot v2.2 to v2.3" notes.

Usage: make_param_lists.py POSTCONF_5_HTML DOVECONF_A_OUTPUT
(tools/update-param-lists fetches both and calls this).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from postdove.testing.config_names import dovecot_setting_paths

PARAMS = Path(__file__).resolve().parent / "params"
POSTFIX_VERSIONS = ["2.10.1", "3.5.8", "3.5.9", "3.8.5"]

# From "Upgrading Dovecot v2.2 to v2.3" (doc.dovecot.org) and the 2.3 release notes.
DOVECOT_23_ADDED_PREFIXES = (
    "ssl_dh",
    "ssl_min_protocol",
    "ssl_cipher_suites",
    "ssl_curve_list",
    "ssl_client_cert",
    "ssl_client_key",
    "ssl_client_require_valid_cert",
    "submission",
    "event_",
    "metric/",
    "log_core_filter",
    "log_debug",
)
# Older than the prefixes above say: in 2.2.36's src/lib-lda/lda-settings.c (../shared/sources).
DOVECOT_22_KEPT = ["submission_host"]
DOVECOT_23_REMOVED = [
    "ssl_protocols",
    "ssl_parameters_regenerate",
    "ssl_dh_parameters_length",
    "director_consistent_hashing",
    "director_doveadm_port",
    "mdbox_purge_preserve_alt",
]

# The parameter's own note ("This feature is available in Postfix 2.3 and
# later") comes last; other "available" sentences may be about one value.
_RELEASES = r"(?: versions?)?\s*((?:≥\s*)?[0-9][0-9., ≥and]*)"
_FEATURE = re.compile(r"This feature[^.]*? is available (?:in|with) Postfix" + _RELEASES)
_AVAILABLE = re.compile(r"available (?:in|with) Postfix" + _RELEASES)
# Only where no availability note exists (e.g. smtpd_relay_restrictions, new in 2.10).
_AS_OF = re.compile(r"As of Postfix\s*([0-9][0-9.]*[0-9])")
_VERSION = re.compile(r"\d+\.\d+(?:\.\d+)?")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def available(since: list[str], version: str) -> bool:
    """Whether a parameter documented as available in `since` exists in `version`."""
    if not since:
        return True
    series = _key(version)[:2]
    same_series = [v for v in since if _key(v)[:2] == series]
    if same_series:
        return _key(version) >= _key(same_series[0])
    return _key(version) >= min(_key(v) for v in since)


def postfix_parameters(postconf_5_html: str) -> dict[str, list[str]]:
    """Each parameter of postconf(5) and the releases its availability note names."""
    parts = re.split(r'<DT><b><a name="([a-z0-9_]+)">', postconf_5_html)
    params = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        # Nested lists describe values (e.g. each restriction) with notes of their own.
        own = re.sub(r"<DL>.*?</DL>", " ", body, flags=re.IGNORECASE | re.DOTALL)
        text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", own).split()))
        # The last "This feature" note is the parameter's own; earlier ones may be about one value.
        features = list(_FEATURE.finditer(text))
        note = (features[-1] if features else None) or _AVAILABLE.search(text) or _AS_OF.search(text)
        params[name] = _VERSION.findall(note.group(1)) if note else []
    # "The LMTP-specific version of smtp_x" often has no note of its own.
    for name, since in params.items():
        if not since and name.startswith("lmtp_"):
            params[name] = params.get("smtp_" + name.removeprefix("lmtp_"), [])
    return params


def main() -> None:
    postconf_5, doveconf_a = sys.argv[1:3]
    params = postfix_parameters(Path(postconf_5).read_text(encoding="latin-1"))
    PARAMS.mkdir(exist_ok=True)
    for version in POSTFIX_VERSIONS:
        names = sorted(n for n, since in params.items() if available(since, version))
        (PARAMS / f"postfix-{version}.txt").write_text("\n".join(names) + "\n")

    dovecot_23 = dovecot_setting_paths(Path(doveconf_a).read_text().splitlines())
    for version in ("2.3.16", "2.3.21"):
        (PARAMS / f"dovecot-{version}.txt").write_text("\n".join(sorted(dovecot_23)) + "\n")
    dovecot_22 = (
        {p for p in dovecot_23 if not p.startswith(DOVECOT_23_ADDED_PREFIXES)}
        | set(DOVECOT_23_REMOVED)
        | set(DOVECOT_22_KEPT)
    )
    (PARAMS / "dovecot-2.2.36.txt").write_text("\n".join(sorted(dovecot_22)) + "\n")


if __name__ == "__main__":
    main()
