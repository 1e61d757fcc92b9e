"""The manifest of a pseudonymised export: what was done to each column, never key material.

It names the columns hashed, shifted, kept, folded (how many levels, never
their names) and dropped (with the reason), the k of folding and the rows in
and out. It holds no value of the data, no key, no fingerprint of the key and
no path of the key file; the source is named without its folder.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hiring_funnel.pseudonymisation.columns import Decision, Roles
from hiring_funnel.pseudonymisation.hashing import PSEUDONYM_HEX, PSEUDONYM_PREFIX, SHIFT_WEEKS

__all__ = [
    "ABOUT",
    "KIND",
    "MANIFEST_NAME",
    "OUTPUT_NAME",
    "build_manifest",
    "manifest_bytes",
    "tool_version",
]

#: What the output is: pseudonymised, never "anonymous" (the key re-identifies it).
KIND = "pseudonymised"
OUTPUT_NAME = "pseudonymised.csv"
MANIFEST_NAME = "manifest.json"
ABOUT = (
    "Pseudonymised, not anonymous: identifiers are replaced by keyed pseudonyms and dates "
    "are shifted, so whoever holds the key can link the rows back to people, and the "
    "remaining columns may still single someone out. Handle it as personal data."
)


def build_manifest(
    *,
    source: str,
    roles: Roles,
    decisions: Sequence[Decision],
    rows: int,
    k: int,
    rows_without_candidate: int,
) -> dict[str, Any]:
    """The manifest as a dict (see the module docstring).

    Examples
    --------
    >>> from hiring_funnel.pseudonymisation.columns import Decision, Roles
    >>> m = build_manifest(source="/home/jane/export.csv",
    ...     roles=Roles(("email",), "email", (), ()),
    ...     decisions=[Decision("email", "hashed", "identifier")], rows=3, k=5,
    ...     rows_without_candidate=0)
    >>> m["kind"], m["source"], m["hashed"]
    ('pseudonymised', 'export.csv', ['email'])
    """
    by_action: dict[str, list[str]] = {}
    for d in decisions:
        by_action.setdefault(d.action, []).append(d.column)
    return {
        "kind": KIND,
        "about": ABOUT,
        "tool": tool_version(),
        "source": Path(source).name,
        "rows_in": rows,
        "rows_out": rows,
        "k": k,
        "candidate_column": roles.candidate,
        "rows_without_candidate": rows_without_candidate,
        "method": {
            "pseudonyms": (
                f"{PSEUDONYM_PREFIX!r} + the first {PSEUDONYM_HEX} hex digits of HMAC-SHA-256 "
                "with the secret key of the normalised value (emails lower-cased and trimmed, "
                "phone numbers as digits, other text trimmed with spaces collapsed, case-folded "
                "when it has no digit)"
            ),
            "date_shift": (
                f"one shift per candidate, from the keyed hash of the candidate: 1 to "
                f"{SHIFT_WEEKS} whole weeks earlier; weekdays and every duration between two "
                "dates of one candidate are unchanged; the time of day and offset are kept"
            ),
            "categories": f"levels held by fewer than {k} candidates are folded into 'Other'",
        },
        "hashed": by_action.get("hashed", []),
        "shifted": by_action.get("shifted", []),
        "folded": {d.column: len(d.folded) for d in decisions if d.folded},
        "kept": by_action.get("kept", []) + by_action.get("categories", []),
        "dropped": {d.column: d.reason for d in decisions if d.action == "dropped"},
        "columns": [d.summary() for d in decisions],
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest as the UTF-8 JSON written to ``manifest.json``."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def tool_version() -> str:
    """The tool that wrote a manifest: ``hiring_funnel`` and its version."""
    from hiring_funnel import __version__

    return f"hiring_funnel {__version__}"
