"""The funnel at a glance: how far applications got, how they ended, and what was quarantined.

Two descriptive tables for the first look at a log, before any survival
analysis:

- :func:`stage_counts`: how many applications reached each stage (applied,
  any answer, screen, interview, offer), how the ones that ended did end
  (offer, rejection, withdrawn, closed) and how many are still open at the
  as-of date, each with its share of the applications sent.
- :func:`quarantine_reasons`: the rows validation set aside, grouped by a
  short reason category, with a count, an example line and what would fix it.

Both are counts only: they make no claim about how long anything takes. The
still-open row is what the rest of the package is about: those applications
have no outcome *yet*, and every waiting time or share computed later counts
them as censored rather than dropping them or calling them failures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import resolve_as_of, utc_ns
from hiring_funnel.schema import EVENTS, EventLog, HiringFunnelError, check_events

__all__ = [
    "FUNNEL_COLUMNS",
    "QUARANTINE_REASON_COLUMNS",
    "application_stages",
    "quarantine_reasons",
    "stage_counts",
]

#: Columns of :func:`stage_counts`.
FUNNEL_COLUMNS: tuple[str, ...] = ("step", "kind", "applications", "share_of_applied", "still_open")
#: Columns of :func:`quarantine_reasons`.
QUARANTINE_REASON_COLUMNS: tuple[str, ...] = (
    "file",
    "reason",
    "rows",
    "share_of_read",
    "example_line",
    "example",
    "hint",
)

#: Stage reached -> the events that show it was reached. A later stage implies
#: the earlier ones: an application invited straight to an interview has passed
#: the screen even when no screen was logged, so the funnel never widens.
STAGES_REACHED: dict[str, tuple[str, ...]] = {
    "applied": ("applied",),
    "answered": ("screen", "interview", "offer", "rejection"),
    "screen": ("screen", "interview", "offer"),
    "interview": ("interview", "offer"),
    "offer": ("offer",),
}
#: Events that end an application, in the schema's tie-breaking order: the
#: first one (in time) is how it ended, exactly as the ``decision`` clock
#: ends (offer, rejection) or censors (withdrawn, closed) its episode.
ENDINGS: tuple[str, ...] = ("offer", "rejection", "withdrawn", "closed")
_OPEN = "still open"


def stage_counts(log_or_events: EventLog | pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """Applications reaching each stage, how they ended, and how many are still open.

    Only applications with an ``applied`` event at or before the as-of date
    count (the same applications the clocks make episodes of), and only their
    events from the application up to the as-of date.

    Rows with ``kind == "reached"``, one per stage, count the applications
    with the stage's event *or a later stage's*: ``applied``; ``answered``
    (any response: screen, interview, offer or rejection); ``screen``
    (screen, interview or offer); ``interview`` (interview or offer);
    ``offer``. A later stage implies the earlier ones, so the counts never
    grow down the funnel even when a log skips the screen. Their
    ``still_open`` column counts those of them with no ending yet (no offer,
    rejection, withdrawal or closing by the as-of date).

    Rows with ``kind == "ended"`` split the applications by their first
    ending event (ties on one timestamp broken in the order offer, rejection,
    withdrawn, closed): ``offer``, ``rejection``, ``withdrawn``, ``closed``,
    and ``still open`` for none yet. They add up to the applications sent,
    and the offer and rejection rows equal the ``decision`` clock's causes
    (an offer after a withdrawal is on the "reached offer" row, not here).

    Parameters
    ----------
    log_or_events : EventLog or DataFrame
        From :func:`hiring_funnel.read_events`, or canonical events.
    as_of : timestamp-like, optional
        The export moment; defaults to ``EventLog.as_of``, else the latest
        timestamp in the log (as :func:`hiring_funnel.episodes`).

    Returns
    -------
    DataFrame
        Columns ``step, kind, applications, share_of_applied, still_open``;
        ten rows in a fixed order (``still_open`` is <NA> on the "ended"
        rows). ``attrs`` holds ``as_of`` and ``applications_without_applied``
        (applications left out because they have no ``applied`` event by then).

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.schema import as_canonical_events
    >>> ev = as_canonical_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "a", "b", "b", "c"],
    ...     "event": ["applied", "interview", "rejection", "applied", "screen", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-05", "2024-03-09", "2024-03-02",
    ...                   "2024-03-04", "2024-03-03"]}))
    >>> t = stage_counts(ev)
    >>> t[t["kind"] == "reached"][["step", "applications", "still_open"]].to_numpy().tolist()
    [['applied', 3, 2], ['answered', 2, 1], ['screen', 2, 1], ['interview', 1, 0], ['offer', 0, 0]]
    >>> t[t["kind"] == "ended"][["step", "applications"]].to_numpy().tolist()
    [['offer', 0], ['rejection', 1], ['withdrawn', 0], ['closed', 0], ['still open', 2]]
    """
    stages = application_stages(log_or_events, as_of=as_of)
    n = len(stages)
    open_ = stages["ended"].isna().to_numpy()
    rows: list[tuple[str, str, int, int | None]] = []
    for step in STAGES_REACHED:
        reached = stages[step].to_numpy()
        rows.append((step, "reached", int(reached.sum()), int((reached & open_).sum())))
    ended = stages["ended"].value_counts()
    rows += [(e, "ended", int(ended.get(e, 0)), None) for e in ENDINGS]
    rows.append((_OPEN, "ended", int(open_.sum()), None))

    out = pd.DataFrame(rows, columns=["step", "kind", "applications", "still_open"])
    out["applications"] = out["applications"].astype("int64")
    out["share_of_applied"] = out["applications"] / n if n else np.nan
    out["still_open"] = out["still_open"].astype("Int64")
    out = out[list(FUNNEL_COLUMNS)]
    out.attrs = dict(stages.attrs)
    return out


def application_stages(
    log_or_events: EventLog | pd.DataFrame, *, as_of: Any = None
) -> pd.DataFrame:
    """One row per application sent: its candidate, the stages it reached and how it ended.

    The rows behind :func:`stage_counts` (the same applications, the same
    rules): ``application_id``, ``candidate`` (``candidate_id``, else the
    application: one person each), a boolean column per stage reached
    (``applied``, ``answered``, ``screen``, ``interview``, ``offer``) and
    ``ended`` (offer, rejection, withdrawn, closed, or <NA> while still open).
    What is published from it counts candidates (:mod:`hiring_funnel.report.privacy`).
    """
    if isinstance(log_or_events, EventLog):
        events = log_or_events.events
        if as_of is None:
            as_of = log_or_events.as_of
    else:
        events = log_or_events
    check_events(events)
    ts = utc_ns(events["timestamp"])
    cutoff = resolve_as_of(as_of, ts)
    candidate = (
        events["candidate_id"].astype("string").fillna(events["application_id"].astype("string"))
        if "candidate_id" in events.columns
        else events["application_id"].astype("string")
    )
    frame = pd.DataFrame(
        {
            "application_id": events["application_id"].to_numpy(),
            "event": events["event"].astype(str).to_numpy(),
            "ts": ts,
        }
    )
    keep = frame["ts"] <= cutoff.value if cutoff is not pd.NaT else np.zeros(len(frame), bool)
    frame = frame[keep]
    who = pd.Series(candidate.to_numpy()[keep], index=frame["application_id"].to_numpy())
    # Events before the application's first applied do not count (validation
    # quarantines them; the clocks ignore them); a later event of the same kind does.
    applied_row = frame["event"].to_numpy() == "applied"
    start = frame["ts"][applied_row].groupby(frame["application_id"][applied_row]).min()
    own = start.reindex(frame["application_id"].to_numpy(), fill_value=np.iinfo(np.int64).min)
    frame = frame[frame["ts"].to_numpy() >= own.to_numpy()]
    # First time of each event per application; int64 nanoseconds with a
    # sentinel for "never", so no float rounding can reorder close events.
    never = np.iinfo(np.int64).max
    first = (
        frame.groupby(["application_id", "event"], sort=False)["ts"]
        .min()
        .unstack(fill_value=never)
        .reindex(columns=list(EVENTS), fill_value=never)
    )
    n_all = len(first)
    first = first[first["applied"] != never]
    times = first.to_numpy()
    seen = pd.DataFrame(times != never, columns=first.columns)
    out = pd.DataFrame(
        {
            "application_id": first.index.to_numpy(),
            "candidate": who.groupby(level=0).min().reindex(first.index).to_numpy(),
        }
    )
    for step, evs in STAGES_REACHED.items():
        out[step] = seen[list(evs)].any(axis=1).to_numpy()
    ending = times[:, [EVENTS.index(e) for e in ENDINGS]]
    # argmin takes the first column among equal times: the schema's order.
    which = np.argmin(ending, axis=1) if len(first) else np.zeros(0, dtype=np.int64)
    done = ending.min(axis=1) != never if len(first) else np.zeros(0, dtype=bool)
    out["ended"] = pd.array(
        np.where(done, np.asarray(ENDINGS, dtype=object)[which], None), dtype="string"
    )
    out.attrs = {"as_of": cutoff, "applications_without_applied": n_all - len(first)}
    return out


def stage_figures(log: EventLog | Any) -> dict[str, dict[str, int]]:
    """Per stage reached: applications, those still open, and the candidates behind each part.

    ``{stage: {"reached", "reached_candidates", "open", "open_candidates",
    "ended_candidates"}}``: what :func:`hiring_funnel.analyses.headline.funnel_stages`
    publishes, with the candidates its privacy rule counts. On an engine log
    the same figures come from one aggregate query
    (:func:`hiring_funnel.engine.funnel.engine_stage_figures`).
    """
    if not isinstance(log, EventLog):
        from hiring_funnel.engine.funnel import engine_stage_figures

        return engine_stage_figures(log)
    stages = application_stages(log)
    who = stages["candidate"].to_numpy()
    ended = stages["ended"].notna().to_numpy()
    out = {}
    for step in STAGES_REACHED:
        reached = stages[step].to_numpy(dtype=bool)
        out[step] = {
            "reached": int(reached.sum()),
            "reached_candidates": len(pd.unique(who[reached])),
            "open": int((reached & ~ended).sum()),
            "open_candidates": len(pd.unique(who[reached & ~ended])),
            "ended_candidates": len(pd.unique(who[reached & ended])),
        }
    return out


#: Reason category -> words that identify it in validation's reasons, checked
#: in this order (the first match wins). The words come from
#: :mod:`hiring_funnel.io.validate`, :mod:`hiring_funnel.io.mapping`,
#: :mod:`hiring_funnel.io.cell_values`, :mod:`hiring_funnel.io.readers` and :mod:`hiring_funnel.io.load`.
_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("exact duplicate", ("exact duplicate",)),
    ("conflicting duplicate", ("conflicting duplicates",)),
    ("offer and rejection both recorded", ("conflicting outcomes",)),
    ("missing application id", ("missing application id",)),
    ("missing date", ("missing timestamp",)),
    ("missing event", ("missing event name",)),
    ("unknown event", ("unknown event",)),
    ("dated before its application", ("before its application",)),
    ("dated after the export", ("after the as-of date", "after today")),
    (
        "unreadable date",
        (
            "as a date",
            "no such date",
            "is out of range",
            "daylight-saving",
            "range of Excel dates",
            "where a date is expected",
            "could be",
        ),
    ),
    ("unreadable number of days", ("number of days",)),
    ("malformed line", ("fields but the header", "JSON")),
    ("no event from the mapping", ("yields no event",)),
)


def _category(reason: str) -> str:
    # A line with several problems lists them joined by "; ": the first decides.
    first = reason.split("; ")[0]
    for name, words in _CATEGORIES:
        if any(w in first for w in words):
            return name
    return "other"


def quarantine_reasons(log: EventLog) -> pd.DataFrame:
    """Quarantined rows grouped by the kind of problem, with an example and a fix.

    Parameters
    ----------
    log : EventLog
        From :func:`hiring_funnel.read_events`.

    Returns
    -------
    DataFrame
        One row per file and reason category, most rows first: ``file``,
        ``reason`` (a short category such as "exact duplicate", "unreadable
        date", "unknown event", "dated before its application"; "other" for
        anything unrecognised), ``rows`` (quarantined rows), ``share_of_read``
        (of the rows read from that file), ``example_line`` (the first such
        line) and ``example`` (its full reason), ``hint`` (what would fix it).
        No rows when nothing was quarantined.

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.io.load import read_events
    >>> log = read_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "a", "b"],
    ...     "event": ["applied", "applied", "ghosted", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-01", "2024-03-09", "2024-03-02"]}),
    ...     as_of="2024-03-31")
    >>> quarantine_reasons(log)[["reason", "rows", "example_line"]].to_numpy().tolist()
    [['exact duplicate', 1, 2], ['unknown event', 1, 3]]
    """
    if not isinstance(log, EventLog):
        raise HiringFunnelError(
            f"quarantine_reasons needs an EventLog, not {type(log).__name__}",
            hint="read the log with hiring_funnel.read_events",
        )
    q = log.quarantine
    if q.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in QUARANTINE_REASON_COLUMNS})
    hints = {(p.source or log.source, p.line): p.hint for p in log.problems}
    attrs_meta = log.meta.get("attributes", {})
    read = {log.source: log.rows_read}
    if attrs_meta:
        read[attrs_meta["source"]] = attrs_meta["rows_read"]
    frame = pd.DataFrame(
        {
            "file": q["file"].astype(str),
            "line": q["line"].astype("int64"),
            "full": q["reason"].astype(str),
        }
    )
    frame["reason"] = frame["full"].map(_category)
    frame["hint"] = [
        hints.get((f, int(k)), "") for f, k in zip(frame["file"], frame["line"], strict=True)
    ]
    frame = frame.sort_values(["file", "line"], kind="stable")
    grouped = frame.groupby(["file", "reason"], sort=False)
    out = grouped.agg(
        rows=("line", "size"),
        example_line=("line", "first"),
        example=("full", "first"),
        hint=("hint", lambda h: next((x for x in h if x), "")),
    ).reset_index()
    out["share_of_read"] = out["rows"] / out["file"].map(read).astype(float)
    out = out.sort_values(["rows", "file", "example_line"], ascending=[False, True, True])
    out["rows"] = out["rows"].astype("int64")
    out["example_line"] = out["example_line"].astype("int64")
    return out[list(QUARANTINE_REASON_COLUMNS)].reset_index(drop=True)


def _dtype(column: str) -> str:
    return {"rows": "int64", "example_line": "int64", "share_of_read": "float64"}.get(
        column, "object"
    )
