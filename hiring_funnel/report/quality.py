"""The report's data-quality and privacy sections: what was read, what was left out, and why.

Every count here follows :mod:`hiring_funnel.report.privacy`: rows quarantined
count rows (their candidates are unknown), everything else distinct
candidates; a count under ``min_group`` is "fewer than k", and a part of a
published total that would give it back by subtraction is "not shown".
Quarantined rows are counted by their kind (:data:`hiring_funnel.schema.QUARANTINE_KINDS`,
fixed sentences with no value from the data), never by the reason text, which
quotes ids and cells for the person who fixes the file. A log of fewer than
``min_group`` candidates publishes no count at all, and a clock that is not
published shows none either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hiring_funnel.report import words as f
from hiring_funnel.report.privacy import COMPLEMENTARY, TOO_FEW, Members, suppress_parts
from hiring_funnel.report.published import file_name, shown
from hiring_funnel.schema import QUARANTINE_KINDS, EventLog

if TYPE_CHECKING:
    from hiring_funnel.report.build import Clock

#: Where each clock's waits start (the report uses the default origins).
_START = {"first_response": "applied", "interview_feedback": "interview", "decision": "applied"}


def source_name(source: str) -> str:
    """The file's name without its folders (folders often hold a user name)."""
    return file_name(source)


def quality_section(log: EventLog, clocks: Sequence[Clock], *, min_group: int) -> dict[str, Any]:
    """Rows read, loaded and quarantined by kind, events by type, waits per clock: as published."""
    k = min_group
    ev = log.events
    owner = _owners(ev)
    out: dict[str, Any] = {
        "file": source_name(log.source),
        "nothing": owner.nunique() < k,
        "notes": _notes(log),
        "attributes": None,
        "reasons": [],
        "events": [],
        "clocks": [],
    }
    attrs = log.meta.get("attributes")
    if attrs:
        out["attributes"] = {"file": source_name(str(attrs["source"]))}
    if out["nothing"]:
        return out  # no count at all: every one would describe fewer than k people
    read_hidden, quarantined = _rows(log.rows_quarantined, k)
    n_skipped = int(getattr(log, "rows_skipped", 0))
    skip_hidden, skipped = _rows(n_skipped, k)
    out.update(
        read=None if read_hidden or skip_hidden else f.number(log.rows_read),
        loaded=f.number(log.rows_loaded),
        quarantined=quarantined,
        skipped=skipped if n_skipped else None,
    )
    if attrs:
        a_hidden, a_quarantined = _rows(int(attrs["rows_quarantined"]), k)
        unmatched = int(attrs.get("rows_unmatched", 0))
        out["attributes"].update(
            read=None if a_hidden else f.number(attrs["rows_read"]),
            loaded=f.number(attrs["rows_loaded"]),
            quarantined=a_quarantined,
            unmatched=shown(unmatched, TOO_FEW if 0 < unmatched < k else None, k),
        )
    out["reasons"] = _reasons(log, k)
    out["events"] = _events(ev, owner, k)
    apps = pd.Index(ev["application_id"].unique())
    with_applied = pd.Index(ev.loc[ev["event"] == "applied", "application_id"].unique())
    no_applied = set(owner.reindex(apps.difference(with_applied)).dropna())
    # applications - applied events = applications without an applied event: hide the
    # total when that difference is a small group.
    out["applications"] = (
        "not shown" if 0 < len(no_applied) < k else f.number(ev["application_id"].nunique())
    )
    for clock in clocks:
        out["clocks"].append(_clock_row(clock, ev, owner, apps, k))
    return out


def _owners(events: pd.DataFrame) -> pd.Series:
    """Application -> its candidate (the application itself when unknown)."""
    apps = events["application_id"].astype("string")
    if "candidate_id" in events.columns:
        who = events["candidate_id"].astype("string").fillna("application " + apps)
    else:
        who = apps
    return pd.Series(who.to_numpy(), index=apps.to_numpy()).groupby(level=0).first()


def _rows(quarantined: int, k: int) -> tuple[bool, str]:
    """Rows quarantined as published; when they are few, the rows read are not shown instead
    (read = loaded + quarantined would give them back; the rows loaded matter more)."""
    few = 0 < quarantined < k
    return few, shown(quarantined, TOO_FEW if few else None, k)


def _kinds(q: pd.DataFrame) -> pd.Series:
    if "kind" not in q.columns:
        return pd.Series("other", index=q.index)
    kinds = q["kind"].astype("string").fillna("other")
    return kinds.where(kinds.isin(list(QUARANTINE_KINDS)), "other").astype(str)


def _reasons(log: EventLog, k: int) -> list[dict[str, str]]:
    """Rows quarantined per file and kind, with the kinds of one file suppressed as parts of its total."""
    q = log.quarantine
    if not len(q):
        return []
    files = q["file"].astype(str) if "file" in q.columns else pd.Series(log.source, index=q.index)
    kinds = _kinds(q)
    if "kind" not in q.columns and log.exact_duplicates:
        # Without kinds (an older reader), the exact duplicates are still known by their count.
        first = np.flatnonzero((files == str(log.source)).to_numpy())[: log.exact_duplicates]
        kinds.iloc[first] = "exact_duplicate"
    counted = pd.DataFrame({"file": files, "kind": kinds}).value_counts(sort=False)
    out = []
    for source in dict.fromkeys(files):
        parts = {str(kind): int(n) for (fl, kind), n in counted.items() if fl == source}
        hidden = suppress_parts(parts, min_group=k)
        for kind in sorted(parts, key=lambda c: (-parts[c], QUARANTINE_KINDS[c])):
            out.append(
                {
                    "file": source_name(source),
                    "reason": QUARANTINE_KINDS[kind],
                    "rows": shown(parts[kind], hidden.get(kind), k),
                }
            )
    return out


def _events(events: pd.DataFrame, owner: pd.Series, k: int) -> list[dict[str, str]]:
    """Rows per event type, each a part of the rows loaded; offers and rejections also sum
    to the decisions the report publishes, so one of them hidden hides the other."""
    who = owner.reindex(events["application_id"].astype("string").to_numpy()).to_numpy()
    kind = events["event"].astype(str).to_numpy()
    order = [str(e) for e in events["event"].cat.categories if (kind == e).any()]
    rows = {e: int((kind == e).sum()) for e in order}
    members = {e: set(who[kind == e]) for e in order}
    decided: dict[str, Members] = {e: members[e] for e in ("offer", "rejection") if e in members}
    hidden = suppress_parts(decided, min_group=k) if len(decided) == 2 else {}
    if hidden:
        hidden = {e: hidden.get(e, COMPLEMENTARY) for e in decided}
    hidden = {**hidden, **suppress_parts(members, min_group=k, unpublished=list(hidden))}
    return [{"event": e, "rows": shown(rows[e], hidden.get(e), k)} for e in order]


def _clock_row(
    clock: Clock, events: pd.DataFrame, owner: pd.Series, apps: pd.Index, k: int
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "title": f.CLOCK_TITLES[clock.name],
        "published": clock.published,
        "nothing": "none recorded" if len(clock.episodes) == 0 else None,
    }
    if not clock.published:
        return row  # no count of a clock whose figures are not shown
    start = _START[clock.name]
    has_start = pd.Index(events.loc[events["event"] == start, "application_id"].unique())
    with_wait = pd.Index(clock.episodes["application_id"].unique())
    skipped = {
        f"no {start} event": set(owner.reindex(apps.difference(has_start)).dropna()),
        "a start after the as-of date": set(
            owner.reindex(has_start.difference(with_wait)).dropna()
        ),
    }
    counts = {
        f"no {start} event": len(apps.difference(has_start)),
        "a start after the as-of date": len(has_start.difference(with_wait)),
    }
    hidden = suppress_parts(skipped, min_group=k)
    row.update(
        episodes=f.number(len(clock.episodes)),
        answered=clock.count("answered"),
        open=clock.count("open"),
        skipped="; ".join(
            f"{shown(counts[why], hidden.get(why), k)} with {why}" for why in skipped if counts[why]
        )
        or "none",
    )
    return row


#: Problems about many rows (kept, so in no count above) that name their first line.
_MANY_ROWS = frozenset({"identical_rows", "skipped", "undated_outcome"})


def _notes(log: EventLog) -> list[str]:
    """Problems of a whole file or column, as the fixed description of their kind."""
    kinds = [
        getattr(p, "kind", "other") if getattr(p, "kind", "other") in QUARANTINE_KINDS else "other"
        for p in log.problems
        # Per-row problems are counted above; a note on many rows names its first line.
        if p.line is None or getattr(p, "kind", "other") in _MANY_ROWS
    ]
    merged = log.meta.get("merged_spellings") or {}
    # Merged spellings: how many, never the values or the columns' names (free text).
    where = f"{sum(merged.values()):,} spelling(s) in {len(merged):,} column(s)" if merged else ""
    return [
        QUARANTINE_KINDS[kind]
        + (" (run validate to see it)" if kind == "other" else "")
        + (f": {where}" if kind == "merged_spellings" and where else "")
        for kind in dict.fromkeys(kinds)
    ]


def privacy_section(
    min_group: int,
    clocks: list[tuple[str, int, float]],
    breakdowns: list[dict[str, Any]],
) -> dict[str, Any]:
    """What was suppressed: whole clocks, how many segments of each breakdown, the tails of curves."""
    clock_rows = []
    for name, candidates, cutoff in clocks:
        published = not np.isnan(cutoff)
        clock_rows.append(
            {
                "title": f.CLOCK_TITLES[name],
                "published": published,
                "candidates": f.number(candidates)
                if published
                else ("none" if candidates == 0 else f"fewer than {min_group}"),
                "cutoff": f.days(cutoff) if published else None,
            }
        )
    # Counted, never named: a label can itself be what identifies someone.
    segments = [
        {
            "column": section["column"],
            "count": section["suppressed"],
            "text": f"{section['column']}: {section['suppressed']} "
            + ("segment" if section["suppressed"] == 1 else "segments")
            + " not shown",
        }
        for section in breakdowns
        if section["suppressed"]
    ]
    return {
        "min_group": min_group,
        "clocks": clock_rows,
        "segments": segments,
        "nothing_published": not any(r["published"] for r in clock_rows),
    }
