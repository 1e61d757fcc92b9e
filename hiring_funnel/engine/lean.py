"""Every clock's episodes in one engine pass, collected lean: what the summary reads.

The summary needs, per episode, its candidate (for distinct counts and small-
group suppression), its duration and cause, and at most one breakdown column.
:func:`lean_episodes` computes the episodes of several clocks in one query
and brings back only numbers: the candidate as an integer code (equal codes,
equal candidates), the duration, the cause as a small integer (-1 censored).
The clocks from an application's first event and each application's candidate
come from one grouping of the events by application (:func:`per_application`),
the interview rounds from the window, over the applications with an interview
only. Application ids and candidate ids stay on the engine; what crosses into
Python is a few bytes per episode instead of two strings.

A candidate is :func:`hiring_funnel.report.privacy.candidate_key` of the pandas
episodes: the application's first ``candidate_id`` in event order (timestamp,
event order, line), else the application itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["lean_episodes"]

_KIND = "hf_kind"


def lean_episodes(
    events: Any,
    clocks: Sequence[str],
    by: str | None = None,
    *,
    attributes: Any = None,
    as_of: Any = None,
    con: Any = None,
) -> dict[str, pd.DataFrame]:
    """Each clock's episodes as a lean pandas frame, from one engine pass.

    Parameters
    ----------
    events : EngineLog, DataFrame, path or ibis Table
        Anything :func:`hiring_funnel.engine.tables.events_table` takes; an
        engine log also gives ``attributes`` and ``as_of``.
    clocks : sequence of str
        Clock names (default options: days, withdrawals censored, from applying).
    by : str, optional
        One attribute column to bring along.

    Returns
    -------
    dict
        Clock -> frame with ``candidate_id`` (int64 codes, one per distinct
        candidate of the log), ``entry`` (0.0), ``duration`` (float64), ``cause``
        (categorical over the clock's causes) and ``by``; ``attrs`` holds the
        clock's options, as in :meth:`EngineEpisodes.to_pandas`.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(200, seed=5)
    >>> lean = lean_episodes(sim.events, ["decision"], as_of=sim.as_of)
    >>> pandas = hf.episodes(sim.events, "decision", as_of=sim.as_of)
    >>> sorted(lean["decision"]["duration"]) == sorted(pandas["duration"])  # rows unordered
    True
    """
    import ibis

    from hiring_funnel.clocks import check_options, resolve_as_of
    from hiring_funnel.engine.episodes import resolve_bounds
    from hiring_funnel.engine.ingest import EngineLog
    from hiring_funnel.engine.tables import attributes_table
    from hiring_funnel.engine.window import clock_spec, episode_columns, keep, windowed

    # The events of an engine log passed the ingest's checks (a row with a missing
    # id, event or timestamp, or an unknown event, is quarantined), so with an
    # as_of they need no scan (1e6 applications: 0.3-1 s).
    checked = isinstance(events, EngineLog)
    if hasattr(events, "events") and hasattr(events, "as_of"):  # an EventLog or EngineLog
        if attributes is None:
            attributes = events.attributes
        if as_of is None:
            as_of = events.as_of
        events = events.events
    clocks = list(dict.fromkeys(clocks))
    for clock in clocks:
        check_options(clock, "days", "censor", "applied", None)
    t = _canonical_table(events, con)
    if checked and as_of is not None:
        as_of_ts = resolve_as_of(as_of, np.zeros(0, dtype=np.int64))
    else:
        as_of_ts, _ = resolve_bounds(t, as_of, "days")
    specs = {c: clock_spec(c) for c in clocks}

    first = [c for c in clocks if specs[c].first_only]
    later = [c for c in clocks if not specs[c].first_only]
    apps = per_application(t, [specs[c] for c in first], as_of_ts, interviewed=bool(later))
    # Equal candidates, equal codes: a dense rank of the key.
    apps = apps.mutate(code=ibis.dense_rank().over(order_by=apps.ckey))
    if by is not None:
        attr = attributes_table(attributes, t._find_backend()) if attributes is not None else None
        if attr is None or by not in attr.columns:
            from hiring_funnel.schema import HiringFunnelError

            raise HiringFunnelError(f"breakdown column {by!r} is not an attribute of the log")
        apps = apps.left_join(attr.select("application_id", by), "application_id")
    # One row per application for the first-event clocks (a duration and a cause
    # slot each), one per interview for interview_feedback (in slot 0). Causes are
    # the clock's own codes, -1 when censored: no NULL reaches numpy.
    slots = max(len(first), 1)

    def out(rel: Any, kind: int, slot_clocks: list[str]) -> Any:
        cols: dict[str, Any] = {_KIND: ibis.literal(kind, type="int8"), "code": rel.code}
        for i in range(slots):
            if i < len(slot_clocks):
                spec = specs[slot_clocks[i]]
                made = episode_columns(rel, spec, as_of_ts, "days", [])
                cols[f"d{i}"] = made["duration"].cast("int32")
                cols[f"c{i}"] = made["cause_code"]
            else:
                cols[f"d{i}"] = ibis.literal(0, type="int32")
                cols[f"c{i}"] = ibis.literal(-1, type="int8")
        if by is not None:
            cols[by] = rel[by]
        return rel.select(**cols)

    parts = []
    if first:
        parts.append(out(apps.filter(apps.us.notnull()), 0, first))
    for clock in later:
        # Every interview starts an episode: a window, over the applications with one.
        spec = specs[clock]
        mine = apps.filter(apps.interviewed).select("application_id")
        e = t.semi_join(mine, "application_id")
        w = windowed(e, [spec], as_of_ts, candidate=False, lean=True)
        w = w.filter(keep(w, spec, as_of_ts))
        w = w.select("application_id", "us", f"next_key_{spec.ending}")
        w = w.join(apps.select("application_id", "code", *([by] if by else [])), "application_id")
        parts.append(out(w, 1 + later.index(clock), [clock]))
    got = (parts[0] if len(parts) == 1 else ibis.union(*parts)).to_pyarrow()
    kind = got.column(_KIND).to_numpy()
    code = got.column("code").to_numpy()
    label = got.column(by).to_pandas() if by is not None else None

    result: dict[str, pd.DataFrame] = {}
    for clock in clocks:
        if clock in first:
            rows, i = np.flatnonzero(kind == 0), first.index(clock)
        else:
            rows, i = np.flatnonzero(kind == 1 + later.index(clock)), 0
        frame = pd.DataFrame(
            {
                "candidate_id": code[rows].astype(np.int64),
                "entry": np.zeros(len(rows)),
                "duration": got.column(f"d{i}").to_numpy()[rows].astype(np.float64),
                "cause": pd.Categorical.from_codes(
                    got.column(f"c{i}").to_numpy()[rows], categories=list(specs[clock].causes)
                ),
            }
        )
        if label is not None:
            frame[by] = label.iloc[rows].reset_index(drop=True)
        frame.attrs = {
            "as_of": as_of_ts,
            "clock": clock,
            "unit": "days",
            "holidays": None,
            "withdrawn": "censor",
            "origin": {"interview_feedback": "interview"}.get(clock, "applied"),
        }
        result[clock] = frame
    return result


def _canonical_table(events: Any, con: Any) -> Any:
    """The events as :func:`~hiring_funnel.engine.tables.events_table` gives them.

    An engine table that already has the canonical columns and types (an
    engine log's) is used as it is: the no-op casts of ``events_table`` are a
    projection that the query reads three times, and DuckDB then buffers its
    2.2 million rows (1e6 applications: 0.5-1.8 s of the query's 2-4 s).
    """
    import ibis.expr.types as ir

    from hiring_funnel.engine.tables import events_table, utc_session
    from hiring_funnel.schema import OPTIONAL_COLUMNS

    if isinstance(events, ir.Table):
        schema = events.schema()
        text = ("application_id", "event", *OPTIONAL_COLUMNS)
        ok = all(c in schema and schema[c].is_string() for c in text)
        ts, line = schema.get("timestamp"), schema.get("line")
        ok = ok and ts is not None and ts.is_timestamp() and ts.timezone == "UTC"
        if ok and line is not None and line.is_int64():
            utc_session(events._find_backend())
            return events
    return events_table(events, con)


def per_application(t: Any, specs: list[Any], as_of_ts: pd.Timestamp, *, interviewed: bool) -> Any:
    """One row per application: its candidate key and what the first-event clocks read.

    Columns ``application_id``, ``ckey`` (the first ``candidate_id`` in event
    order, else the application), ``us`` (microseconds of the first ``applied``
    in time; null without one), ``next_key_<set>`` per ending set of ``specs``
    (the key, as in :func:`~hiring_funnel.engine.window.windowed`, of the first
    ending event after it, not after ``as_of``) and, with ``interviewed``, whether
    the application has an interview in time.

    One grouping reads them all: an ending event never has the origin's rank,
    so "after the origin" is "a larger key", and for an application whose
    first ending event comes after its first ``applied`` (nearly all) the first
    ending event is the smallest key of its set. Likewise an application whose
    events name one candidate (min = max) needs no order. Only the others (an
    ending event before the first ``applied``, candidates that change) are
    read again, through a join with the events of those applications.
    """
    import ibis

    from hiring_funnel.engine.window import ENDING_SETS, RANK, epoch_us, in_time

    if any(not s.first_only or s.start != "applied" for s in specs):
        raise ValueError("per_application() serves clocks from the first 'applied'")
    sets = list(dict.fromkeys(s.ending for s in specs))

    def key(x: Any) -> Any:
        return epoch_us(x.timestamp) * 8 + x.event.substitute(RANK, else_=ibis.null()).cast("int64")

    now = in_time(t, as_of_ts)
    aggs: dict[str, Any] = {"okey": key(t).min(where=(t.event == "applied") & now)}
    for name in sets:
        aggs[f"end_{name}"] = key(t).min(where=t.event.isin(list(ENDING_SETS[name])) & now)
    aggs.update(lo=t.candidate_id.min(), hi=t.candidate_id.max())
    if interviewed:
        aggs["interviewed"] = ((t.event == "interview") & now).any()
    g = t.group_by("application_id").aggregate(**aggs)

    odd = g.lo != g.hi
    for name in sets:
        odd = odd | (g[f"end_{name}"] < g.okey)
    j = t.inner_join(g.filter(odd).select("application_id", "okey"), "application_id")
    order = ibis.struct({"k": key(j), "line": j.line})
    again: dict[str, Any] = {
        "first": j.candidate_id.argmin(order, where=j.candidate_id.notnull()),
        "again": j.okey.count(),
    }
    for name in sets:
        ends = j.event.isin(list(ENDING_SETS[name])) & in_time(j, as_of_ts) & (key(j) > j.okey)
        again[f"end_{name}"] = key(j).min(where=ends)
    fix = j.group_by("application_id").aggregate(**again)

    p = g.left_join(fix, "application_id")
    fixed = p.again.notnull()
    cols: dict[str, Any] = {
        "application_id": p.application_id,
        "ckey": ibis.ifelse(p.lo == p.hi, p.lo, p["first"]).coalesce(p.application_id),
        "us": p.okey >> 3,
    }
    for name in sets:
        cols[f"next_key_{name}"] = ibis.ifelse(fixed, p[f"end_{name}_right"], p[f"end_{name}"])
    if interviewed:
        cols["interviewed"] = p.interviewed
    return p.select(**cols)
