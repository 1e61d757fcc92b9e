"""The report's data-quality and privacy sections: what was read, what was left out, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.anonymize import redact_reason
from hiring_funnel.report import _format as f
from hiring_funnel.schema import EventLog


def source_name(source: str) -> str:
    """The file's name without its folders (folders often hold a user name)."""
    return source if source.startswith("<") else Path(source).name


def quality_section(log: EventLog, clocks: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Rows read, loaded and quarantined with the reasons (values taken out), per file and clock."""
    events_file = source_name(log.source)
    reasons: list[dict[str, str]] = []
    q = log.quarantine
    if len(q) and "reason" in q.columns:
        files = q["file"].map(lambda s: source_name(str(s))) if "file" in q.columns else events_file
        kinds = pd.DataFrame(
            {"file": files, "reason": q["reason"].map(lambda r: redact_reason(str(r)))}
        )
        counted = kinds.value_counts(sort=False).rename("rows").reset_index()
        counted = counted.sort_values(["rows", "file", "reason"], ascending=[False, True, True])
        reasons = [
            {"file": r.file, "reason": r.reason, "rows": f.number(r.rows)}
            for r in counted.itertuples(index=False)
        ]
    attrs = log.meta.get("attributes")
    attributes = None
    if attrs:
        attributes = {
            "file": source_name(str(attrs["source"])),
            "read": f.number(attrs["rows_read"]),
            "loaded": f.number(attrs["rows_loaded"]),
            "quarantined": f.number(attrs["rows_quarantined"]),
            "unmatched": f.number(attrs.get("rows_unmatched", 0)),
        }
    per_event = log.events["event"].value_counts()
    events = [
        {"event": str(e), "rows": f.number(n)}
        for e, n in per_event.reindex(log.events["event"].cat.categories).items()
        if n
    ]
    notes = [
        redact_reason(p.reason)
        for p in log.problems
        if p.line is None  # problems of a whole file or column; per-row ones are counted above
    ]
    clock_rows = []
    for name, ep in clocks.items():
        skipped = ep.attrs.get("skipped", {})
        answered = int(ep["cause"].notna().sum())
        clock_rows.append(
            {
                "title": f.CLOCK_TITLES[name],
                "episodes": f.number(len(ep)),
                "answered": f.number(answered),
                "open": f.number(len(ep) - answered),
                "skipped": "; ".join(f"{f.number(n)} with {why}" for why, n in skipped.items() if n)
                or "none",
            }
        )
    return {
        "file": events_file,
        "read": f.number(log.rows_read),
        "loaded": f.number(log.rows_loaded),
        "quarantined": f.number(log.rows_quarantined),
        "duplicates": f.number(log.exact_duplicates),
        "applications": f.number(log.events["application_id"].nunique()),
        "events": events,
        "reasons": reasons,
        "attributes": attributes,
        "notes": list(dict.fromkeys(notes)),
        "clocks": clock_rows,
    }


def privacy_section(
    min_group: int,
    clocks: list[tuple[str, int, float]],
    breakdowns: list[dict[str, Any]],
) -> dict[str, Any]:
    """What was suppressed and why: whole clocks, segments of breakdowns, the tails of curves."""
    clock_rows = []
    for name, candidates, cutoff in clocks:
        published = not np.isnan(cutoff)
        clock_rows.append(
            {
                "title": f.CLOCK_TITLES[name],
                "published": published,
                "candidates": f.number(candidates) if published else f"fewer than {min_group}",
                "cutoff": f.days(cutoff) if published else None,
            }
        )
    # One line per suppressed segment, naming the clocks it was suppressed on.
    merged: dict[tuple[str, str, str], list[str]] = {}
    for section in breakdowns:
        for s in section["suppressed"]:
            key = (section["column"], s["label"], s["why"])
            merged.setdefault(key, []).append(f.CLOCK_TITLES[s["clock"]].lower())
    segments = [
        {"column": column, "label": label, "why": why, "clocks": "; ".join(on)}
        for (column, label, why), on in merged.items()
    ]
    return {
        "min_group": min_group,
        "clocks": clock_rows,
        "segments": segments,
        "nothing_published": not any(r["published"] for r in clock_rows),
    }
