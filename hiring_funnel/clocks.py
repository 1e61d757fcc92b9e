"""Clocks: turn canonical events into episodes (DESIGN.md, "Clocks").

A clock is a rule that says where the waiting starts (the origin) and which
events end it. :func:`episodes` applies one clock to a whole events frame and
returns the canonical episode frame, one row per spell of waiting:

``application_id``, ``candidate_id`` (the application itself when unknown;
categorical, so the per-candidate variances read its codes instead of hashing
every id on every call: group by it with ``observed=True``),
``entry`` (left truncation: days from the origin to ``observed_from``, else
0.0), ``duration`` (days or business days),
``cause`` (categorical; missing = censored), ``origin`` and ``end`` (UTC),
``last_day_share`` (unit days with ``day_boundary="time_of_day"``, the
default: a censored episode's share of being at risk on its last day,
:mod:`hiring_funnel.day_boundary`), ``round`` (interview_feedback only), then
the attribute columns.

Everything is vectorised: events are sorted once by (application, timestamp,
event order, line), and the end of every episode is found with one
``searchsorted`` over the positions of the events that can end it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.day_boundary import DAY_BOUNDARIES, SHARE_COLUMN, last_day_shares
from hiring_funnel.daycount import count_days
from hiring_funnel.event_order import (
    RANK,
    event_order,
    event_ranks,
    factorize_sorted,
    first_candidates,
    first_of_run,
    round_numbers,
    utc_ns,
)
from hiring_funnel.observation import (
    NOT_ATTRIBUTES,
    observation_limits,
    observation_starts,
    refuse_late_entry_on_engine,
)
from hiring_funnel.schema import (
    EVENTS,
    EventLog,
    HiringFunnelError,
    check_events,
    check_events_structure,
    on_engine,
    raise_if_missing,
)

__all__ = ["CAUSES", "CLOCKS", "EPISODE_COLUMNS", "UNITS", "check_events", "episodes"]

#: The clocks of DESIGN.md, in the order the docs list them.
CLOCKS: tuple[str, ...] = ("first_response", "interview_feedback", "decision")
#: Units a duration can be measured in.
UNITS: tuple[str, ...] = ("days", "business_days")
#: What ``withdrawn`` and ``closed`` events do to an episode.
WITHDRAWN_MODES: tuple[str, ...] = ("censor", "cause")
#: Where the ``decision`` clock starts.
ORIGINS: tuple[str, ...] = ("applied", "first_interview")

#: Named causes of each clock, in the fixed order of the ``cause`` categories.
CAUSES: dict[str, tuple[str, ...]] = {
    "first_response": ("positive", "rejection"),
    "interview_feedback": ("positive", "rejection"),
    "decision": ("offer", "rejection"),
}
#: Which event ends an episode of each clock, and with which cause.
_ANSWERS = {
    "screen": "positive",
    "interview": "positive",
    "offer": "positive",
    "rejection": "rejection",
}
ENDS: dict[str, dict[str, str]] = {
    "first_response": _ANSWERS,
    "interview_feedback": _ANSWERS,
    "decision": {"offer": "offer", "rejection": "rejection"},
}
#: Candidate-side and posting-side endings: censoring by default, causes on request.
STOPS: tuple[str, ...] = ("withdrawn", "closed")
#: Columns of every episode frame, in order (``round`` follows for interview_feedback).
EPISODE_COLUMNS: tuple[str, ...] = tuple(
    "application_id candidate_id entry duration cause origin end".split()
)


def episodes(
    events: pd.DataFrame | EventLog | Any,
    clock: str,
    *,
    attributes: pd.DataFrame | None = None,
    as_of: Any = None,
    unit: str = "days",
    holidays: str | Iterable[Any] | None = None,
    withdrawn: str = "censor",
    origin: str = "applied",
    observed_from: Any = None,
    day_boundary: str = "time_of_day",
) -> pd.DataFrame:
    """Turn events into one episode per spell of waiting, by one clock.

    Parameters
    ----------
    events : DataFrame, EventLog, engine log or Ibis table
        Canonical events (:mod:`hiring_funnel.schema`). An ``EventLog`` also
        supplies ``attributes`` and ``as_of`` unless they are given here. An
        engine log (``read_events(..., engine=...)``) or an Ibis table gives
        the same episodes as a lazy query on its engine
        (:class:`hiring_funnel.engine.EngineEpisodes`; ``.to_pandas()``
        collects them, :func:`life_table` counts them where they are).
    clock : {"first_response", "interview_feedback", "decision"}
        ``first_response``: from ``applied`` to the first response (``screen``,
        ``interview``, ``offer`` → "positive"; ``rejection`` → "rejection").
        ``interview_feedback``: one episode per ``interview``, to the next
        response after it (``interview``, ``offer``, ``screen`` → "positive";
        ``rejection`` → "rejection"); adds a ``round`` column.
        ``decision``: from the origin to ``offer`` or ``rejection``.
    attributes : DataFrame, optional
        One row per ``application_id``; its other columns are left-joined on.
    as_of : timestamp-like, optional
        The export moment. Episodes still open then are censored there, later
        events are ignored. Defaults to ``EventLog.as_of``, else the latest
        timestamp in the log. A naive value is read as UTC; a bare date means
        midnight UTC, so events later on that day are ignored.
    unit : {"days", "business_days"}
        ``days``: whole calendar days between the UTC dates of origin and end.
        ``business_days``: ``numpy.busday_count(origin_date, end_date)``.
    holidays : str or list of dates, optional
        Only with ``unit="business_days"``: dates to skip, or a country code
        for the ``holidays`` package ("US", "DE", or "DE-BY" for a subdivision).
    withdrawn : {"censor", "cause"}
        ``censor``: ``withdrawn`` and ``closed`` events censor the episode at
        their time. ``cause``: they end it with causes "withdrawn" / "closed".
    origin : {"applied", "first_interview"}
        Where the ``decision`` clock starts. Other clocks have a fixed origin
        and accept only the default.
    observed_from : timestamp-like, optional
        The start of the log (late entry): it was exported for a window that
        began after some applications were sent. Defaults to
        ``EventLog.observed_from``; an attribute column ``observed_from``
        gives a start per application (the later of the two counts). An
        episode whose origin is before it gets ``entry`` = the days (or
        business days) from its origin to it, counted like durations, and
        keeps its duration; it is at risk on days t with
        ``entry <= t <= duration`` (:func:`hiring_funnel.life_table`; R's
        ``Surv(entry - 0.5, duration, event)``, see the README). An episode
        that ended (an answer, a stop, or its own end of observation) before
        it cannot be in such a log: it is dropped and counted in
        ``attrs["skipped"]["ended before observed_from"]``.
    day_boundary : {"time_of_day", "end_of_day"}
        Only with ``unit="days"``. ``time_of_day``: a censored episode is at
        risk on its last day C for the share ``last_day_share`` = w =
        g (1 - h) / (1 - h g) (a column; answered episodes have 1): g the share
        of the frame's answers on day C that came at or before its censoring
        time of day (day 0: of those after its origin's time; none: 1), h the
        pooled all-cause hazard of day C. Estimators read it as a row censored
        at C of weight w and one at C - 1 of weight 1 - w. A date-only log has
        w = 1. ``end_of_day``: no column, at risk all of day C (the rule before
        issue 15). The rule and its derivation: :mod:`hiring_funnel.day_boundary`.

    Returns
    -------
    DataFrame
        Columns ``application_id, candidate_id, entry, duration, cause, origin,
        end`` (+ ``last_day_share``, see ``day_boundary``) (+ ``round``) +
        attribute columns, sorted by application and round. ``candidate_id``
        is categorical (string categories).
        ``cause`` is categorical with the clock's causes in a fixed
        order (:data:`CAUSES`, then "withdrawn", "closed" when
        ``withdrawn="cause"``); missing means censored. ``attrs`` holds
        ``as_of``, ``clock``, ``unit``, ``holidays`` (as given; a list
        becomes a tuple), ``withdrawn``, ``origin``,
        ``applications`` (distinct applications in the log), ``skipped``
        (applications without an episode, by reason; episodes for
        "ended before observed_from") and ``observed_from`` (a Timestamp or
        None).

    Notes
    -----
    Durations are differences of UTC *dates*, not of times: an answer on the
    day of the application has duration 0, and two answers on the same day tie
    whatever their times of day (a censoring's time of day sets its share of
    the last day, ``day_boundary``). The estimators handle ties by day exactly
    (Kaplan-Meier and Aalen-Johansen by grouped counts), while hour-level
    times would split one day's answers into fake distinct event times set by
    when a recruiter happened to click. Event *order* still uses the full
    timestamp, then the schema's event order, then ``line``.

    Only events at or after the origin (in that order) can end an episode; a
    response dated before the application is ignored here (validation flags
    it).

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.schema import as_canonical_events
    >>> ev = as_canonical_events(pd.DataFrame({
    ...     "application_id": ["a", "a", "b"],
    ...     "event": ["applied", "rejection", "applied"],
    ...     "timestamp": ["2024-03-01 09:00", "2024-03-06 17:00", "2024-03-02 11:30"]}))
    >>> ep = episodes(ev, "first_response")
    >>> ep[["application_id", "duration", "cause"]]
      application_id  duration      cause
    0              a       5.0  rejection
    1              b       4.0        NaN

    A log of 2024-03-07 to 2024-03-10 (``observed_from``, ``as_of``):
    application b, sent on 2024-03-02, enters on day 5; a, answered before
    the log began, could not be in it and is counted as skipped.

    >>> late = episodes(ev, "first_response", as_of="2024-03-10", observed_from="2024-03-07")
    >>> late[["application_id", "entry", "duration"]]
      application_id  entry  duration
    0              b    5.0       8.0
    >>> late.attrs["skipped"]["ended before observed_from"]
    1
    """
    if on_engine(events):
        # An engine log or table: the same episodes as a lazy query (engine.episodes).
        from hiring_funnel.engine.episodes import episodes as on_the_engine

        if hasattr(events, "rows_read"):  # an engine log: its events, attributes and as_of
            attributes = events.attributes if attributes is None else attributes
            as_of = events.as_of if as_of is None else as_of
            if observed_from is None:
                observed_from = getattr(events, "observed_from", None)
            events = events.events
        if observed_from is not None:
            refuse_late_entry_on_engine()
        return on_the_engine(
            events,
            clock,
            attributes=attributes,
            as_of=as_of,
            unit=unit,
            holidays=holidays,
            withdrawn=withdrawn,
            origin=origin,
        )
    if isinstance(events, EventLog):
        frame = events.events
        if attributes is None:
            attributes = events.attributes
        if as_of is None:
            as_of = events.as_of
        if observed_from is None:
            observed_from = events.observed_from
    else:
        frame = events
    check_options(clock, unit, withdrawn, origin, holidays)
    if day_boundary not in DAY_BOUNDARIES:
        raise HiringFunnelError(
            f"unknown day_boundary={day_boundary!r}; allowed: {', '.join(DAY_BOUNDARIES)}"
        )
    if holidays is not None and not isinstance(holidays, str):
        # A one-shot iterable is read here once: attrs records it for steps
        # that count days in the same unit (regression.follow_ups).
        holidays = tuple(holidays)
    check_events_structure(frame)
    attributes = _check_attributes(attributes, clock)

    app, app_ids = factorize_sorted(frame["application_id"])
    raise_if_missing(frame, "application_id", app < 0)
    n_apps = len(app_ids)
    ts = utc_ns(frame["timestamp"])
    rank = event_ranks(frame["event"])
    line = frame["line"].to_numpy(dtype=np.int64) if "line" in frame.columns else None
    order = event_order(app, ts, rank, line)
    app, ts, rank = app[order], ts[order], rank[order]

    as_of_ts = resolve_as_of(as_of, ts)
    # NaT (an empty log and no as_of) is the smallest int64: nothing passes.
    as_of_ns = as_of_ts.value
    # Each event's application is observed until as_of, or its own observed_until
    # (which, when no as_of is given, is not cut at the latest event).
    own = observation_limits(attributes, app_ids, as_of_ns, cap=as_of is not None)
    limit = np.full(ts.size, as_of_ns, dtype=np.int64) if own is None else own[app]
    if own is not None and as_of is None and own.size:
        as_of_ts = pd.Timestamp(int(own.max()), tz="UTC")

    # Origins: positions (in sorted order) where the waiting starts.
    start_event = (
        "applied" if clock != "interview_feedback" and origin == "applied" else "interview"
    )
    starts = np.flatnonzero(rank == RANK[start_event])
    if clock != "interview_feedback":
        starts = starts[first_of_run(app[starts])]
    apps_with_start = int(first_of_run(app[starts]).sum())
    starts = starts[ts[starts] <= limit[starts]]
    apps_with_episode = int(first_of_run(app[starts]).sum())
    skipped = {
        f"no {start_event} event": n_apps - apps_with_start,
        "origin after as_of": apps_with_start - apps_with_episode,
    }

    # Ends: the first ending event strictly after the origin position, same
    # application, not after as_of. Origins and ending positions are both
    # sorted, so one searchsorted finds every end at once.
    causes = list(CAUSES[clock]) + (list(STOPS) if withdrawn == "cause" else [])
    cause_of_rank = np.full(len(EVENTS), -2, dtype=np.int64)  # -2: does not end
    for name, cause in ENDS[clock].items():
        cause_of_rank[RANK[name]] = causes.index(cause)
    for name in STOPS:
        cause_of_rank[RANK[name]] = causes.index(name) if withdrawn == "cause" else -1
    ending = np.flatnonzero((cause_of_rank[rank] != -2) & (ts <= limit))
    if ending.size:
        nxt = np.searchsorted(ending, starts, side="right")
        end_pos = ending[np.minimum(nxt, ending.size - 1)]
        found = (nxt < ending.size) & (app[end_pos] == app[starts])
    else:
        end_pos, found = starts, np.zeros(starts.size, dtype=bool)
    end_ns = np.where(found, ts[end_pos], limit[starts])
    cause_codes = np.where(found, cause_of_rank[rank[end_pos]], -1)

    origin_ns = ts[starts]
    ep_app = app[starts]
    from_ts = None if observed_from is None else resolve_as_of(observed_from, ts, "observed_from")
    first = observation_starts(attributes, app_ids, None if from_ts is None else from_ts.value)
    entry = np.zeros(starts.size, dtype=np.float64)
    if first is not None:
        # Late entry: an episode over before the log began is not in it (dropped,
        # counted); one that began earlier enters on the day the log began.
        first = first[ep_app]
        seen = end_ns >= first
        skipped["ended before observed_from"] = int(starts.size - seen.sum())
        starts, ep_app, origin_ns, end_ns = (
            starts[seen],
            ep_app[seen],
            origin_ns[seen],
            end_ns[seen],
        )
        cause_codes, first = cause_codes[seen], first[seen]
        late = origin_ns < first
        entry = np.zeros(starts.size, dtype=np.float64)
        entry[late] = count_days(origin_ns[late], first[late], unit, holidays)
    duration = count_days(origin_ns, end_ns, unit, holidays)

    # Taking from the factorized uniques keeps the string dtype without
    # re-validating a million Python strings.
    ids = pd.Series(app_ids.take(ep_app).array, dtype="string")
    out = pd.DataFrame(
        {
            "application_id": ids,
            "candidate_id": first_candidates(frame, order, app, ep_app, ids),
            "entry": entry,
            "duration": duration,
            "cause": pd.Categorical.from_codes(cause_codes, categories=pd.Index(causes)),
            "origin": pd.to_datetime(origin_ns.view("datetime64[ns]"), utc=True),
            "end": pd.to_datetime(end_ns.view("datetime64[ns]"), utc=True),
        }
    )
    boundary = day_boundary if unit == "days" else "end_of_day"
    if boundary == "time_of_day":
        out[SHARE_COLUMN] = last_day_shares(entry, duration, cause_codes, origin_ns, end_ns)
    if clock == "interview_feedback":
        out["round"] = round_numbers(ep_app)
    out = _join_attributes(out, attributes, app_ids, ep_app)
    out.attrs = {
        "as_of": as_of_ts,
        "clock": clock,
        "unit": unit,
        "holidays": holidays,
        "withdrawn": withdrawn,
        "origin": {"interview_feedback": "interview"}.get(clock, origin),
        "applications": n_apps,
        "skipped": skipped,
        "observed_from": from_ts,
        "day_boundary": boundary,
    }
    return out


# -- options -----------------------------------------------------------------


def check_options(clock: str, unit: str, withdrawn: str, origin: str, holidays: Any) -> None:
    """Raise a :class:`HiringFunnelError` naming an option of :func:`episodes` that is unknown."""
    if clock not in CLOCKS:
        raise HiringFunnelError(f"unknown clock {clock!r}; allowed: {', '.join(CLOCKS)}")
    if unit not in UNITS:
        raise HiringFunnelError(f"unknown unit {unit!r}; allowed: {', '.join(UNITS)}")
    if withdrawn not in WITHDRAWN_MODES:
        raise HiringFunnelError(
            f"unknown withdrawn={withdrawn!r}; allowed: {', '.join(WITHDRAWN_MODES)}"
        )
    if origin not in ORIGINS:
        raise HiringFunnelError(f"unknown origin {origin!r}; allowed: {', '.join(ORIGINS)}")
    if origin != "applied" and clock != "decision":
        raise HiringFunnelError(
            f"origin={origin!r} only applies to the 'decision' clock; "
            f"the {clock!r} clock has a fixed origin"
        )
    if holidays is not None and unit != "business_days":
        raise HiringFunnelError(
            "holidays only apply with unit='business_days'", hint="pass unit='business_days'"
        )


def resolve_as_of(as_of: Any, ts: np.ndarray, name: str = "as_of") -> pd.Timestamp:
    """``as_of`` (or another moment called ``name``) in UTC ns; None: the latest of ``ts``."""
    if as_of is None:
        if ts.size == 0:
            return pd.Timestamp("NaT")
        return pd.Timestamp(int(ts.max()), tz="UTC")
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise HiringFunnelError(f"{name}={as_of!r} is not a date or timestamp") from exc
    if stamp is pd.NaT:
        raise HiringFunnelError(f"{name} is missing (NaT); pass a date or leave it None")
    stamp = stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
    try:
        return stamp.as_unit("ns")
    except (OverflowError, ValueError) as exc:  # OutOfBoundsDatetime is a ValueError
        # Nanoseconds in 64 bits reach 1677-09-21 to 2262-04-11 (issue 10: 9999-01-01).
        raise HiringFunnelError(
            f"{name}={as_of!r} is out of the supported range",
            hint="give a date in the years 1678 to 2261",
        ) from exc


# -- columns -----------------------------------------------------------------


def _check_attributes(attributes: pd.DataFrame | None, clock: str) -> pd.DataFrame | None:
    """Fail before the heavy work if the attributes cannot be joined."""
    if attributes is not None and not isinstance(attributes, pd.DataFrame):
        raise HiringFunnelError(f"attributes must be a DataFrame, not {type(attributes).__name__}")
    if attributes is None or attributes.shape[1] == 0:
        return None
    if "application_id" not in attributes.columns:
        raise HiringFunnelError(
            "attributes have no 'application_id' column to join on",
            hint="attributes need one row per application keyed by application_id",
        )
    taken = (
        EPISODE_COLUMNS + (SHARE_COLUMN,) + (("round",) if clock == "interview_feedback" else ())
    )
    clash = [c for c in attributes.columns if c != "application_id" and c in taken]
    if clash:
        raise HiringFunnelError(
            f"attribute column(s) {clash} clash with episode columns",
            hint="rename them before calling episodes()",
        )
    return attributes


def _join_attributes(
    out: pd.DataFrame, attributes: pd.DataFrame | None, app_ids: pd.Index, ep_app: np.ndarray
) -> pd.DataFrame:
    """Left join on application_id, like ``merge(how="left")``.

    Looking the sorted unique ids up once and indexing by application code
    hashes each id once, where a merge on the episode column hashes both
    sides again.
    """
    if attributes is None:
        return out
    key = pd.Index(attributes["application_id"].astype("string"))
    if not key.is_unique:
        dup = key.duplicated()
        raise HiringFunnelError(
            f"attributes have {int(dup.sum())} repeated application_id(s), first {key[dup][0]!r}",
            column="application_id",
            hint="attributes need one row per application",
        )
    rows = key.get_indexer(app_ids)[ep_app]
    # Reindexing positions by a RangeIndex turns the -1 of unmatched
    # applications into missing values with the same upcasting as a merge.
    extra = attributes.drop(columns=list(NOT_ATTRIBUTES), errors="ignore")
    extra = extra.reset_index(drop=True).reindex(rows)
    return pd.concat([out, extra.reset_index(drop=True)], axis=1)
