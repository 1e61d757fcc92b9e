"""Every clock's episodes in one engine pass, collected lean: what the summary reads.

The summary needs, per episode, its candidate (for distinct counts and small-
group suppression), its duration and cause, and at most one breakdown column.
:func:`lean_episodes` computes the episodes of several clocks in one query
(the clocks from an application's first event by groupings,
:func:`~hiring_funnel.engine.window.grouped`; interview rounds by the window)
and brings back only numbers: the candidate as an integer code (equal codes, equal
candidates), the duration, the cause as a small integer. Application ids and
candidate ids stay on the engine; what crosses into Python is a few bytes per
episode instead of two strings.

A candidate is :func:`hiring_funnel.anonymize.candidate_key` of the pandas
episodes: the application's first ``candidate_id`` in event order (timestamp,
event order, line), else the application itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["lean_episodes"]

_CLOCK = "hf_clock"


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

    from hiring_funnel.clocks import _check_options
    from hiring_funnel.engine.episodes import resolve_bounds
    from hiring_funnel.engine.tables import attributes_table, events_table
    from hiring_funnel.engine.window import (
        RANK,
        clock_spec,
        episode_columns,
        epoch_us,
        grouped,
        keep,
        windowed,
    )

    if hasattr(events, "events") and hasattr(events, "as_of"):  # an EventLog or EngineLog
        if attributes is None:
            attributes = events.attributes
        if as_of is None:
            as_of = events.as_of
        events = events.events
    clocks = list(dict.fromkeys(clocks))
    for clock in clocks:
        _check_options(clock, "days", "censor", "applied", None)
    t = events_table(events, con)
    as_of_ts, _ = resolve_bounds(t, as_of, "days")
    specs = {c: clock_spec(c) for c in clocks}
    all_causes = list(dict.fromkeys(c for s in specs.values() for c in s.causes))

    cause_code = {c: i for i, c in enumerate(all_causes)}

    def coded(cause: Any) -> Any:
        return cause.substitute(cause_code, else_=ibis.null()).cast("int8")

    def rows(w: Any, clock: str) -> Any:
        made = episode_columns(w, specs[clock], as_of_ts, "days", [])
        return w.select(
            "application_id",
            **{_CLOCK: ibis.literal(clocks.index(clock), type="int8")},
            duration=made["duration"].cast("int32"),
            cause=coded(made["cause"]),
        )

    parts = []
    first = [c for c in clocks if specs[c].first_only]
    if first:
        # Clocks from each application's first 'applied': groupings, no window.
        g = grouped(t, [specs[c] for c in first], as_of_ts)
        parts += [rows(g, c) for c in first]
    for clock in (c for c in clocks if not specs[c].first_only):
        # Every interview starts an episode: a window, over the applications with one.
        spec = specs[clock]
        mine = t.filter(t.event == spec.start).select("application_id").distinct()
        w = windowed(t.semi_join(mine, "application_id"), [spec], as_of_ts, candidate=False)
        parts.append(rows(w.filter(keep(w, spec, as_of_ts)), clock))
    ep = parts[0] if len(parts) == 1 else ibis.union(*parts)

    # Each application's candidate: its first candidate_id in event order, else itself.
    # Most applications name one candidate throughout (min = max); only the others
    # are ordered.
    span = t.group_by("application_id").aggregate(lo=t.candidate_id.min(), hi=t.candidate_id.max())
    varying = span.filter(span.lo != span.hi).select("application_id")
    v = t.semi_join(varying, "application_id")
    rank = v.event.substitute(RANK, else_=ibis.null()).cast("int64")
    order = ibis.struct({"k": epoch_us(v.timestamp) * 8 + rank, "line": v.line})
    ordered = v.group_by("application_id").aggregate(
        first=v.candidate_id.argmin(order, where=v.candidate_id.notnull())
    )
    j = span.left_join(ordered, "application_id")
    per_app = j.select(
        "application_id",
        ckey=ibis.ifelse(j.lo == j.hi, j.lo, j["first"]).coalesce(j.application_id),
    )
    # Equal candidates, equal codes: a dense rank of the key.
    per_app = per_app.select("application_id", code=ibis.dense_rank().over(order_by=per_app.ckey))
    out = ep.join(per_app, "application_id")
    cols = [_CLOCK, "code", "duration", "cause"]
    if by is not None:
        attr = attributes_table(attributes, t._find_backend()) if attributes is not None else None
        if attr is None or by not in attr.columns:
            from hiring_funnel.schema import HiringFunnelError

            raise HiringFunnelError(f"breakdown column {by!r} is not an attribute of the log")
        out = out.left_join(attr.select("application_id", by), "application_id")
        cols.append(by)
    got = out.select(*cols).to_pyarrow()
    clock_idx = got.column(_CLOCK).to_numpy()
    code = got.column("code").to_numpy()
    duration = got.column("duration").to_numpy()
    cause = got.column("cause").to_numpy(zero_copy_only=False)
    label = got.column(by).to_pandas() if by is not None else None

    result: dict[str, pd.DataFrame] = {}
    for i, clock in enumerate(clocks):
        mine = np.flatnonzero(clock_idx == i)
        spec = specs[clock]
        # The clock's own cause codes: -1 (censored) where the engine gave NULL.
        remap = np.array([spec.causes.index(c) if c in spec.causes else -1 for c in all_causes])
        raw = cause[mine]
        missing = pd.isna(raw)
        codes = np.full(len(mine), -1, dtype=np.int64)
        codes[~missing] = remap[raw[~missing].astype(np.int64)]
        frame = pd.DataFrame(
            {
                "candidate_id": code[mine].astype(np.int64),
                "entry": np.zeros(len(mine)),
                "duration": duration[mine].astype(np.float64),
                "cause": pd.Categorical.from_codes(codes, categories=list(spec.causes)),
            }
        )
        if label is not None:
            frame[by] = label.iloc[mine].reset_index(drop=True)
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
