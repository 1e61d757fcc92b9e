"""The funnel as a multi-state model: each application's path through the stages.

DESIGN.md, "Statistics": the funnel is also a multi-state model, and "still
hope from any stage" is a transition probability
(:mod:`hiring_funnel.estimators.transitions`). :func:`state_paths` turns
canonical events into one row per (application, transition), on the clock of
:func:`hiring_funnel.episodes`: days since ``applied``, whole calendar days
(or business days) between UTC dates, the same as-of date and the same
``observed_until`` limits.

States, in order (:data:`STATES`)::

    applied -> screened -> interviewed -> offer | rejection | withdrawn/closed
       \\_________\\___________\\_____________^ (any later state, stages can be skipped)

``screen`` moves to screened, ``interview`` to interviewed, ``offer`` and
``rejection`` to the absorbing states of those names, ``withdrawn`` and
``closed`` to the absorbing "withdrawn/closed". A stage never moves back: a
second interview, or a screen after an interview, leaves the application
interviewed; ``follow_up`` is not a transition, and nothing after the first
absorbing event counts.

Days. Every event is put on its day since the application (the clocks'
:func:`hiring_funnel.daycount.count_days`). The state that counts on a day is
the state at the end of it: several stages passed on one day make one
transition, from the state the day began in to the one it ended in (applied
-> interviewed when the screen and the interview came on the same day). So
every transition of an application falls on a day of its own, and the
estimators can count ties by day exactly. The first row of each application
starts in ``applied`` at day 0 and may end on day 0 (an answer on the day of
the application, duration 0, as on the clocks); every later row has
``stop > start``, except the last, censored row of an application that moved on
its export day (``start == stop``: it was never at risk of another move).
R needs ``stop > start``: ``tests/reference/make_multistate_reference.R`` starts
the ``applied`` rows at day -1 (so that day-0 transitions are counted at time 0,
as here) and drops the empty censored rows, which change nothing.

Whole days: the paths carry no ``last_day_share`` (:mod:`hiring_funnel.day_boundary`);
a path censored partway through its last day counts as at risk all of that day
(issue 15, item 3 leaves the multi-state paths on whole days for now).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import episodes
from hiring_funnel.daycount import count_days
from hiring_funnel.event_order import RANK, event_order, event_ranks, first_of_run, utc_ns
from hiring_funnel.observation import observation_limits
from hiring_funnel.schema import EventLog, HiringFunnelError, check_events_structure, on_engine

__all__ = ["ABSORBING", "CENSORED", "PATH_COLUMNS", "STATES", "TRANSIENT", "state_paths"]

#: The states of the funnel, in order: three transient, then three absorbing.
STATES: tuple[str, ...] = (
    "applied",
    "screened",
    "interviewed",
    "offer",
    "rejection",
    "withdrawn/closed",
)
TRANSIENT: tuple[str, ...] = STATES[:3]
ABSORBING: tuple[str, ...] = STATES[3:]
#: ``to_state`` of an application still open at the as-of date.
CENSORED = "censored"
#: Columns of :func:`state_paths`, in order.
PATH_COLUMNS: tuple[str, ...] = (
    "application_id",
    "candidate_id",
    "from_state",
    "to_state",
    "start",
    "stop",
)

#: The state each event moves to (-1: none).
_LEVEL = {
    "screen": 1,
    "interview": 2,
    "offer": 3,
    "rejection": 4,
    "withdrawn": 5,
    "closed": 5,
}


def state_paths(
    events: pd.DataFrame | EventLog,
    *,
    attributes: pd.DataFrame | None = None,
    as_of: Any = None,
    unit: str = "days",
    holidays: str | Iterable[Any] | None = None,
) -> pd.DataFrame:
    """Each application's path through the funnel's states: one row per transition.

    Parameters
    ----------
    events : DataFrame or EventLog
        Canonical events (:mod:`hiring_funnel.schema`); an ``EventLog`` also
        supplies ``attributes`` and ``as_of`` unless given here.
    attributes : DataFrame, optional
        Only its ``observed_until`` column is read (each application's own
        export date, :mod:`hiring_funnel.observation`).
    as_of, unit, holidays
        As in :func:`hiring_funnel.episodes`: the export moment (open
        applications are censored there, later events ignored), calendar or
        business days, and the holidays of business days.

    Returns
    -------
    DataFrame
        Columns :data:`PATH_COLUMNS`, sorted by application and start:
        ``from_state`` categorical over :data:`STATES`, ``to_state`` over
        :data:`STATES` and "censored" (the application was still open at its
        export date, ``stop``), ``start`` and ``stop`` in days since
        ``applied`` (floats holding whole days). ``attrs`` holds ``as_of``,
        ``unit``, ``holidays``, ``applications`` (distinct applications in the
        log) and ``skipped`` (applications without a path, by reason: no
        ``applied`` event, or applied after the as-of date), as the clocks do.

    Notes
    -----
    The module docstring gives the rules: the state of a day is the state at
    its end, a stage never moves back, ``follow_up`` is not a transition.

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.schema import as_canonical_events
    >>> ev = as_canonical_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "a", "b"],
    ...     "event": ["applied", "screen", "rejection", "applied"],
    ...     "timestamp": ["2024-03-01", "2024-03-03", "2024-03-10", "2024-03-02"]}))
    >>> p = state_paths(ev, as_of="2024-03-12")
    >>> p[["application_id", "from_state", "to_state", "start", "stop"]]
      application_id from_state   to_state  start  stop
    0              a    applied   screened    0.0   2.0
    1              a   screened  rejection    2.0   9.0
    2              b    applied   censored    0.0  10.0
    """
    if on_engine(events):
        raise HiringFunnelError(
            "state_paths reads events in pandas, not an engine table",
            hint="collect the events first (read_events without engine=, or .to_pandas())",
        )
    frame = events.events if isinstance(events, EventLog) else events
    if isinstance(events, EventLog):
        attributes = events.attributes if attributes is None else attributes
        as_of = events.as_of if as_of is None else as_of
    check_events_structure(frame)
    # The clocks decide which applications have an origin, where it is, the
    # candidate link and the as-of date; "cause" keeps withdrawn/closed apart.
    first = episodes(
        frame,
        "first_response",
        attributes=attributes,
        as_of=as_of,
        unit=unit,
        holidays=holidays,
        withdrawn="cause",
        observed_from=events.observed_from if isinstance(events, EventLog) else None,
    )
    if (first["entry"].to_numpy() > 0).any():
        raise HiringFunnelError(
            "the stages are followed from each application's first day, and this log "
            "begins mid-search (observed_from): applications sent before it lack their "
            "early events",
            column="observed_from",
            code="late_entry_states",
            hint="the clocks (episodes, still_hope, cause_specific_cox) handle late entry",
        )
    as_of_ts = first.attrs["as_of"]
    ids = pd.Index(first["application_id"])
    origin_ns = utc_ns(first["origin"])
    limits = observation_limits(attributes, ids, as_of_ts.value if len(ids) else 0, cap=True)
    limit_ns = np.full(len(ids), as_of_ts.value if len(ids) else 0, np.int64)
    if limits is not None:
        limit_ns = limits

    # The events that move a state, of applications with a path, not after their limit.
    app = ids.get_indexer(frame["application_id"].astype("string"))
    ts = utc_ns(frame["timestamp"])
    rank = event_ranks(frame["event"])
    level_of_rank = np.full(max(RANK.values()) + 1, -1, dtype=np.int64)
    for name, level in _LEVEL.items():
        level_of_rank[RANK[name]] = level
    level = level_of_rank[rank]
    keep = (app >= 0) & (level > 0)
    keep[keep] &= (ts[keep] >= origin_ns[app[keep]]) & (ts[keep] <= limit_ns[app[keep]])
    pos = np.flatnonzero(keep)
    line = frame["line"].to_numpy(dtype=np.int64)[pos] if "line" in frame.columns else None
    order = pos[event_order(app[pos], ts[pos], rank[pos], line)]
    e_app, e_level = app[order], level[order]
    e_day = count_days(origin_ns[e_app], ts[order], unit, first.attrs["holidays"])

    # Nothing counts after an application's first absorbing event; before it
    # the state is the highest stage reached (stages never move back).
    absorbed = e_level >= len(TRANSIENT)
    seen = np.cumsum(absorbed)
    run_start = np.flatnonzero(first_of_run(e_app))
    before = np.repeat(seen[run_start] - absorbed[run_start], np.diff(np.r_[run_start, e_app.size]))
    after_absorbing = (seen - before) - absorbed > 0
    e_app, e_level, e_day = (
        e_app[~after_absorbing],
        e_level[~after_absorbing],
        e_day[~after_absorbing],
    )
    # A running maximum within each application: offset by the application's code.
    state = np.maximum.accumulate(e_level + e_app * len(STATES)) - e_app * len(STATES)
    # The state at the end of each day, then only the days it changed on.
    last_of_day = np.r_[(e_app[1:] != e_app[:-1]) | (e_day[1:] != e_day[:-1]), True][: e_app.size]
    e_app, state, e_day = e_app[last_of_day], state[last_of_day], e_day[last_of_day]
    prev = np.where(first_of_run(e_app), 0, np.r_[0, state[:-1]])
    moved = state != prev
    e_app, state, e_day, prev = e_app[moved], state[moved], e_day[moved], prev[moved]

    # Rows: every move, plus the censored tail of each application still in a transient state.
    n = len(ids)
    last_state = np.zeros(n, dtype=np.int64)
    last_day = np.zeros(n, dtype=np.float64)
    last_state[e_app] = state  # the last move of each application wins (sorted)
    last_day[e_app] = e_day
    prev_day = np.where(first_of_run(e_app), 0.0, np.r_[0.0, e_day[:-1]])
    open_apps = np.flatnonzero(last_state < len(TRANSIENT))
    censor_day = count_days(
        origin_ns[open_apps], limit_ns[open_apps], unit, first.attrs["holidays"]
    )
    row_app = np.r_[e_app, open_apps]
    row_from = np.r_[prev, last_state[open_apps]]
    row_to = np.r_[state, np.full(open_apps.size, len(STATES))]
    row_start = np.r_[prev_day, last_day[open_apps]]
    row_stop = np.r_[e_day, censor_day]
    sort = np.lexsort((row_start, row_app))
    row_app = row_app[sort]
    out = pd.DataFrame(
        {
            "application_id": pd.Series(ids.take(row_app).array, dtype="string"),
            "candidate_id": pd.Series(first["candidate_id"].to_numpy()[row_app], dtype="string"),
            "from_state": pd.Categorical.from_codes(row_from[sort], categories=list(STATES)),
            "to_state": pd.Categorical.from_codes(row_to[sort], categories=[*STATES, CENSORED]),
            "start": row_start[sort].astype(np.float64),
            "stop": row_stop[sort].astype(np.float64),
        }
    )
    out.attrs = {
        "as_of": as_of_ts,
        "unit": unit,
        "holidays": first.attrs["holidays"],
        "applications": first.attrs["applications"],
        "skipped": dict(first.attrs["skipped"]),
    }
    return out


def check_paths(paths: pd.DataFrame) -> None:
    """Raise a :class:`HiringFunnelError` unless ``paths`` looks like :func:`state_paths` output."""
    if not isinstance(paths, pd.DataFrame):
        raise HiringFunnelError(
            f"paths must be a DataFrame, not {type(paths).__name__}",
            hint="make them with hiring_funnel.state_paths(events)",
        )
    missing = [c for c in PATH_COLUMNS if c not in paths.columns and c != "candidate_id"]
    if missing:
        raise HiringFunnelError(
            f"paths have no column(s) {missing}",
            hint="make them with hiring_funnel.state_paths(events)",
        )
    if paths.empty:
        raise HiringFunnelError(
            "no application has a path (no 'applied' event before the as-of date?)",
            code="no_paths",
            hint="check the events: every application needs an 'applied' event",
        )
    for col, allowed in (("from_state", STATES), ("to_state", (*STATES, CENSORED))):
        codes = state_codes(paths[col], allowed)
        if (codes < 0).any():
            bad = paths[col].iloc[int(np.flatnonzero(codes < 0)[0])]
            raise HiringFunnelError(
                f"unknown {col} {'missing' if pd.isna(bad) else str(bad)!r}",
                column=col,
                hint=f"states are {', '.join(allowed)}",
            )
    frm = state_codes(paths["from_state"], STATES)
    to = state_codes(paths["to_state"], (*STATES, CENSORED))
    if (frm >= len(TRANSIENT)).any() or (to == frm).any():
        raise HiringFunnelError(
            "every path row starts in a transient state and moves to another state",
            column="from_state",
            hint=f"from_state is one of {', '.join(TRANSIENT)}; to_state differs from it",
        )
    start = paths["start"].to_numpy(dtype=np.float64)
    stop = paths["stop"].to_numpy(dtype=np.float64)
    if not (np.isfinite(start).all() and np.isfinite(stop).all()) or (stop < start).any():
        raise HiringFunnelError(
            "every path row needs finite start <= stop",
            column="stop",
            hint="make the paths with hiring_funnel.state_paths(events)",
        )


def state_codes(values: pd.Series, names: tuple[str, ...]) -> np.ndarray:
    """Each value's position in ``names`` (-1: not one of them, or missing).

    A categorical column is looked up by its categories, not row by row.

    >>> state_codes(pd.Series(["offer", "applied", None]), STATES).tolist()
    [3, 0, -1]
    """
    index = pd.Index(names)
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.r_[index.get_indexer(values.cat.categories.astype("string")), -1]
        return lookup[values.cat.codes.to_numpy()]  # code -1 (missing) takes the last: -1
    return index.get_indexer(values.astype("string")).astype(np.int64)
