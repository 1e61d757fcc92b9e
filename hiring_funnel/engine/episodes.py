"""Clocks on an engine: episodes as a lazy Ibis query, equal to :func:`hiring_funnel.episodes`.

One window pass over the events, partitioned by application and ordered by
(timestamp, schema event order, line), finds everything an episode needs:

- ``run``: how many origin events came up to this row (running count): the
  first ``applied`` is the origin of the first_response and decision clocks,
  and the running count of ``interview`` events is the ``round`` of the
  interview_feedback clock;
- ``next``: the first ending event strictly after this row, not after
  ``as_of`` (a minimum over the following rows of a key that packs the
  timestamp in microseconds and the event order, so its event comes back
  from the key's last digits, and its timestamp as a minimum over the same
  frame);
- ``candidate``: the first candidate_id recorded for the application.

The three share one partitioning and one order, so DuckDB sorts once and
Spark shuffles once (by application). Then a filter keeps the origin rows,
a projection computes durations and causes, and a left join adds the
attributes. Timestamps are ordered to the microsecond (the engines' unit);
the pandas path orders to the nanosecond.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import (
    _ENDS,
    _STOPS,
    CAUSES,
    EPISODE_COLUMNS,
    _check_options,
    _holiday_dates,
    resolve_as_of,
)
from hiring_funnel.engine.busdays import busday_count, weekday_holidays
from hiring_funnel.engine.tables import attributes_table, events_table
from hiring_funnel.schema import EVENTS, EventLog, HiringFunnelError

__all__ = ["EngineEpisodes", "episodes"]

_RANK = {name: i for i, name in enumerate(EVENTS)}
#: Added to epoch microseconds so that every timestamp of the years 1678-2262
#: gives a positive key, whose event order is then the key modulo 8.
_US_OFFSET = 10**16
_US_PER_DAY = 86_400 * 10**6


@dataclass(frozen=True)
class EngineEpisodes:
    """Episodes of one clock on an engine: a lazy table and how it was built.

    Attributes
    ----------
    table : ibis Table
        One row per episode: ``application_id, candidate_id, entry, duration,
        cause, origin, end`` (+ ``round``) + attribute columns. ``cause`` is a
        string, null when censored. Unordered (sort after collecting).
    causes : tuple of str
        The clock's causes in the fixed order of :data:`hiring_funnel.clocks.CAUSES`
        (then "withdrawn", "closed" with ``withdrawn="cause"``).
    options : dict
        ``as_of`` (resolved), ``clock``, ``unit``, ``holidays``, ``withdrawn``, ``origin``:
        the entries of the pandas ``attrs`` that need no pass over the data.
    events : ibis Table
        The canonical events the episodes come from (for :attr:`attrs`).
    """

    table: Any
    causes: tuple[str, ...]
    options: dict[str, Any]
    events: Any
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def attrs(self) -> dict[str, Any]:
        """The pandas path's ``attrs``: options plus ``applications`` and ``skipped``.

        The counts are one small aggregate on the engine (run on first access).
        """
        if "attrs" not in self._cache:
            self._cache["attrs"] = {**self.options, **_counts(self.events, self.options)}
        return dict(self._cache["attrs"])

    def to_pandas(self) -> pd.DataFrame:
        """Collect the episodes as the canonical pandas episode frame (small logs, tests).

        Sorted by application (and round), ``cause`` categorical, text columns
        of dtype ``string``, ``attrs`` as :func:`hiring_funnel.episodes` sets them.
        """
        frame = self.table.to_pandas()
        keys = ["application_id"] + (["round"] if "round" in frame.columns else [])
        frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
        for col in frame.columns:
            if frame[col].dtype == object and col != "cause":
                frame[col] = frame[col].astype("string")
        frame["entry"] = frame["entry"].astype(np.float64)
        frame["duration"] = frame["duration"].astype(np.float64)
        frame["cause"] = pd.Categorical(frame["cause"], categories=pd.Index(list(self.causes)))
        for col in ("origin", "end"):
            frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[ns, UTC]")
        if "round" in frame.columns:
            frame["round"] = frame["round"].astype(np.int64)
        frame.attrs = self.attrs
        return frame


def _epoch_us(ts: Any) -> Any:
    """Microseconds since 1970 of a UTC timestamp (a builtin of each engine)."""
    from hiring_funnel.engine._builtins import epoch_us

    return epoch_us(ts, _backend_name(ts))


def _backend_name(expr: Any) -> str:
    try:
        return str(expr._find_backend().name)
    except Exception:  # an unbound memtable: DuckDB runs it by default
        return "duckdb"


def episodes(
    events: Any,
    clock: str,
    *,
    attributes: Any = None,
    as_of: Any = None,
    unit: str = "days",
    holidays: str | Iterable[Any] | None = None,
    withdrawn: str = "censor",
    origin: str = "applied",
    con: Any = None,
) -> EngineEpisodes:
    """Turn events into one episode per spell of waiting, by one clock, on an engine.

    The same rules and options as :func:`hiring_funnel.episodes`; the result
    stays lazy (an Ibis table) until collected.

    Parameters
    ----------
    events : DataFrame, EventLog, path or ibis Table
        Anything :func:`hiring_funnel.engine.tables.events_table` takes. An
        ``EventLog`` also supplies ``attributes`` and ``as_of`` unless given.
    clock, as_of, unit, holidays, withdrawn, origin
        As in :func:`hiring_funnel.episodes`. When ``as_of`` is None it is the
        latest timestamp of the log (one aggregate on the engine); business
        days also read the first timestamp, for the years of a holiday calendar.
    attributes : DataFrame, path or ibis Table, optional
        One row per application, left-joined on ``application_id``.
    con : ibis backend, optional
        Where to put events given as a frame or a path (default DuckDB).

    Returns
    -------
    EngineEpisodes
        ``.table`` (lazy Ibis table), ``.attrs`` (counts on demand), ``.to_pandas()``.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(50, seed=2)
    >>> ep = episodes(sim.events, "decision", as_of=sim.as_of)
    >>> ep.to_pandas()["duration"].equals(hf.episodes(sim.events, "decision", as_of=sim.as_of)["duration"])
    True
    """
    if isinstance(events, EventLog):
        if attributes is None:
            attributes = events.attributes
        if as_of is None:
            as_of = events.as_of
        events = events.events
    _check_options(clock, unit, withdrawn, origin, holidays)
    if holidays is not None and not isinstance(holidays, str):
        holidays = tuple(holidays)
    t = events_table(events, con)
    attr = attributes_table(attributes, _bound_con(t, con)) if attributes is not None else None
    taken = EPISODE_COLUMNS + (("round",) if clock == "interview_feedback" else ())
    if attr is not None:
        clash = [c for c in attr.columns if c != "application_id" and c in taken]
        if clash:
            raise HiringFunnelError(
                f"attribute column(s) {clash} clash with episode columns",
                hint="rename them before calling episodes()",
            )
    first_ts = None
    if as_of is None or unit == "business_days":
        bounds = t.aggregate(lo=t.timestamp.min(), hi=t.timestamp.max()).to_pandas()
        first_ts, last_ts = bounds["lo"].iloc[0], bounds["hi"].iloc[0]
        if as_of is None:
            as_of_ts = (
                pd.Timestamp("NaT") if pd.isna(last_ts) else pd.Timestamp(last_ts).tz_convert("UTC")
            )
        else:
            as_of_ts = resolve_as_of(as_of, np.zeros(0, dtype=np.int64))
    else:
        as_of_ts = resolve_as_of(as_of, np.zeros(0, dtype=np.int64))
    as_of_ts = pd.Timestamp(as_of_ts) if not pd.isna(as_of_ts) else pd.Timestamp("NaT")

    causes = tuple(CAUSES[clock]) + (_STOPS if withdrawn == "cause" else ())
    table = _episode_query(
        t, attr, clock, causes, as_of_ts, unit, holidays, withdrawn, origin, first_ts
    )
    options = {
        "as_of": as_of_ts,
        "clock": clock,
        "unit": unit,
        "holidays": holidays,
        "withdrawn": withdrawn,
        "origin": {"interview_feedback": "interview"}.get(clock, origin),
    }
    return EngineEpisodes(table=table, causes=causes, options=options, events=t)


def _bound_con(t: Any, con: Any) -> Any:
    try:
        return t._find_backend()
    except Exception:
        return con


def _start_event(clock: str, origin: str) -> str:
    return "applied" if clock != "interview_feedback" and origin == "applied" else "interview"


def _episode_query(
    t: Any,
    attr: Any,
    clock: str,
    causes: tuple[str, ...],
    as_of_ts: pd.Timestamp,
    unit: str,
    holidays: Any,
    withdrawn: str,
    origin: str,
    first_ts: Any,
) -> Any:
    import ibis

    start_rank = _RANK[_start_event(clock, origin)]
    # Which events end an episode, and with which cause (None: censored there).
    cause_of: dict[str, str | None] = dict(_ENDS[clock])
    for name in _STOPS:
        cause_of[name] = name if withdrawn == "cause" else None
    rank = t.event.substitute({name: i for i, name in enumerate(EVENTS)}, else_=ibis.null())
    t = t.mutate(rank=rank.cast("int64"))

    if pd.isna(as_of_ts):
        in_time = ibis.literal(False)
    else:
        as_of_lit = ibis.literal(as_of_ts.to_pydatetime(), type="timestamp('UTC')")
        in_time = t.timestamp <= as_of_lit
    ending = t.event.isin(list(cause_of)) & in_time
    key = (_epoch_us(t.timestamp) + _US_OFFSET) * 8 + t.rank
    order = [t.timestamp, t.rank, t.line]
    following = ibis.window(group_by=t.application_id, order_by=order, rows=(1, None))
    upto = ibis.window(group_by=t.application_id, order_by=order, rows=(None, 0))
    whole = ibis.window(group_by=t.application_id, order_by=order, rows=(None, None))
    cand_key = ibis.struct({"k": key, "line": t.line})
    w = t.mutate(
        run=(t.rank == start_rank).cast("int64").sum().over(upto),
        next_key=ending.ifelse(key, ibis.null()).min().over(following),
        next_ts=ending.ifelse(t.timestamp, ibis.null()).min().over(following),
        first_candidate=t.candidate_id.argmin(
            t.candidate_id.notnull().ifelse(cand_key, ibis.null())
        ).over(whole),
    )
    keep = (w.rank == start_rank) & in_time
    if clock != "interview_feedback":
        keep = keep & (w.run == 1)
    w = w.filter(keep)

    end_rank = w.next_key % 8
    cause = ibis.cases(
        *[
            (end_rank == _RANK[name], ibis.literal(c))
            for name, c in cause_of.items()
            if c is not None
        ],
        else_=ibis.null().cast("string"),
    )
    end = w.next_ts.coalesce(as_of_lit) if not pd.isna(as_of_ts) else w.next_ts
    origin_day = w.timestamp.date().epoch_days()
    end_day = end.date().epoch_days()
    if unit == "days":
        duration = (end_day - origin_day).cast("float64")
    else:
        duration = busday_count(origin_day, end_day, _holidays(holidays, first_ts, as_of_ts)).cast(
            "float64"
        )
    cols: dict[str, Any] = {
        "application_id": w.application_id,
        "candidate_id": w.first_candidate.coalesce(w.application_id),
        "entry": ibis.literal(0.0, type="float64"),
        "duration": duration,
        "cause": cause,
        "origin": w.timestamp,
        "end": end,
    }
    if clock == "interview_feedback":
        cols["round"] = w.run.cast("int64")
    out = w.select(**cols)
    if attr is not None:
        extra = [c for c in attr.columns if c != "application_id"]
        if extra:
            out = out.left_join(attr, "application_id").select(*cols, *extra)
    return out


def _holidays(holidays: Any, first_ts: Any, as_of_ts: pd.Timestamp) -> list[int]:
    if holidays is None or pd.isna(first_ts) or pd.isna(as_of_ts):
        return []
    # Every origin and end lies between the first timestamp and as_of, so the
    # calendar of those years holds every holiday that can fall in an episode.
    years = range(pd.Timestamp(first_ts).year, as_of_ts.year + 1)
    return weekday_holidays(_holiday_dates(holidays, years))


def _counts(t: Any, options: dict[str, Any]) -> dict[str, Any]:
    """``applications`` and ``skipped`` (by reason), as the pandas path counts them."""
    import ibis

    start = _start_event(options["clock"], options["origin"])
    as_of_ts = options["as_of"]
    is_start = t.event == start
    if pd.isna(as_of_ts):
        in_time = ibis.literal(False)
    else:
        in_time = t.timestamp <= ibis.literal(as_of_ts.to_pydatetime(), type="timestamp('UTC')")
    per_app = t.group_by("application_id").aggregate(
        has_start=is_start.cast("int64").max(),
        has_episode=(is_start & in_time).cast("int64").max(),
    )
    got = per_app.aggregate(
        applications=per_app.count(),
        with_start=per_app.has_start.sum(),
        with_episode=per_app.has_episode.sum(),
    ).to_pandas()
    n_apps = int(got["applications"].iloc[0])
    with_start = int(got["with_start"].fillna(0).iloc[0])
    with_episode = int(got["with_episode"].fillna(0).iloc[0])
    return {
        "applications": n_apps,
        "skipped": {
            f"no {start} event": n_apps - with_start,
            "origin after as_of": with_start - with_episode,
        },
    }
