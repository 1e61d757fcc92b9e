"""Life tables on an engine: the counts by (group, day, cause) run in the engine.

:func:`life_table` sends one aggregate to the engine, ``GROUP BY group...,
duration`` with one conditional count per cause, and gets back days x groups
rows; the reverse cumulative sum that gives ``at_risk`` runs on that small
frame in pandas. The result equals :func:`hiring_funnel.life_table` on the
collected episodes, dtypes and attrs included.

Conditional counts are written ``sum(cast(coalesce(cause = c, false) as int))``:
Ibis compiles ``count(where=...)`` on Spark as a ``SUM(CAST(...))`` that is
NULL on a group where nothing matches (an all-censored day).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.engine.episodes import EngineEpisodes
from hiring_funnel.episode_checks import check_group_columns
from hiring_funnel.schema import HiringFunnelError

__all__ = ["cell_counts", "life_table", "table_from_counts"]


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    return [by] if isinstance(by, str) else list(by or [])


def _unpack(episodes: Any, causes: Sequence[str] | None) -> tuple[Any, list[str], dict[str, Any]]:
    if isinstance(episodes, EngineEpisodes):
        table = episodes.counting if episodes.counting is not None else episodes.table
        return table, list(episodes.causes), dict(episodes.options)
    import ibis.expr.types as ir

    if not isinstance(episodes, ir.Table):
        raise HiringFunnelError(
            f"episodes must be EngineEpisodes or an Ibis table, not {type(episodes).__name__}",
            hint="build them with hiring_funnel.engine.episodes",
        )
    if causes is None:
        raise HiringFunnelError(
            "an Ibis table of episodes needs causes=[...] (the cause categories, in order)"
        )
    return episodes, [str(c) for c in causes], {}


def _check_by(table: Any, by_cols: list[str]) -> None:
    for col in ("duration", "cause"):
        if col not in table.columns:
            raise HiringFunnelError(
                f"episodes are missing the column {col!r}; found {list(table.columns)}",
                hint="build episodes with hiring_funnel.engine.episodes",
            )
    check_group_columns(list(table.columns), by_cols)


def _count_of(cond: Any) -> Any:
    return cond.fill_null(False).cast("int64").sum()


def cell_counts(
    table: Any, by_cols: Sequence[str], causes: Sequence[str], *, late_entry: bool = True
) -> Any:
    """Lazy engine aggregate: per (group..., time), ``censored``, ``events_<cause>``, ``entered``.

    ``time`` is a duration, or an entry time > 0 when ``late_entry`` (episodes
    that enter late are counted at their entry too).
    """
    import ibis

    by_cols = list(by_cols)
    ends = table.select(
        *by_cols,
        time=table.duration.cast("float64"),
        cause=table.cause,
        ended=ibis.literal(1, type="int64"),
    )
    if late_entry and "entry" in table.columns:
        late = table.filter(table.entry > 0)
        ends = ends.union(
            late.select(
                *by_cols,
                time=late.entry.cast("float64"),
                cause=ibis.null().cast("string"),
                ended=ibis.literal(0, type="int64"),
            ),
            distinct=False,
        )
    metrics: dict[str, Any] = {
        "censored": _count_of(ends.cause.isnull() & (ends.ended == 1)),
    }
    for c in causes:
        metrics[f"events_{c}"] = _count_of(ends.cause == c)
    metrics["entered"] = _count_of(ends.ended == 0)
    return ends.group_by([*by_cols, "time"]).aggregate(**metrics)


def table_from_counts(
    counts: pd.DataFrame,
    by_cols: Sequence[str],
    causes: Sequence[str],
    attrs: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The life table from collected cell counts (what :func:`cell_counts` returns).

    Groups sort like ``hiring_funnel.life_table`` (each column ascending,
    missing last), times ascending; ``at_risk`` is the reverse cumulative sum
    of the episodes that end, less those that enter later.
    """
    by_cols = list(by_cols)
    cause_cols = [f"events_{c}" for c in causes]
    frame = counts.copy()
    time = frame["time"].to_numpy(dtype=np.float64)
    if time.size and not (np.isfinite(time).all() and time.min() >= 0):
        bad = ~np.isfinite(time) | (np.nan_to_num(time, nan=-1.0) < 0)
        raise HiringFunnelError(
            f"{int(frame.loc[bad, cause_cols + ['censored']].to_numpy().sum())} missing, "
            "infinite or negative value(s)",
            column="duration",
            hint="durations count from the origin; check the clock",
        )
    for col in by_cols:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("string")
    if by_cols:
        frame = frame.sort_values([*by_cols, "time"], na_position="last", kind="stable")
    else:
        frame = frame.sort_values("time", kind="stable")
    frame = frame.reset_index(drop=True)
    events = (
        frame[cause_cols].to_numpy(dtype=np.int64).sum(axis=1)
        if causes
        else np.zeros(len(frame), dtype=np.int64)
    )
    censored = frame["censored"].to_numpy(dtype=np.int64)
    entered = frame["entered"].to_numpy(dtype=np.int64)
    removed = events + censored
    if by_cols:
        group = frame.groupby(by_cols, sort=False, dropna=False).ngroup().to_numpy()
        rev = pd.DataFrame({"r": removed[::-1], "e": entered[::-1], "g": group[::-1]})
        sums = rev.groupby("g", sort=False)[["r", "e"]].cumsum().to_numpy()[::-1]
        at_risk = sums[:, 0] - (sums[:, 1] - entered)
    else:
        at_risk = np.cumsum(removed[::-1])[::-1] - (np.cumsum(entered[::-1])[::-1] - entered)
    columns: dict[str, Any] = {
        "time": frame["time"].to_numpy(dtype=np.float64),
        "at_risk": at_risk.astype(np.int64),
        "events": events.astype(np.int64),
    }
    for col in cause_cols:
        columns[col] = frame[col].to_numpy(dtype=np.int64)
    columns["censored"] = censored
    columns["entered"] = entered
    table = pd.DataFrame(columns)
    if by_cols:
        table = pd.concat([frame[by_cols].reset_index(drop=True), table], axis=1)
    table.attrs = {"by": by_cols, "causes": list(causes), "weights": None}
    for key in ("clock", "unit", "as_of"):
        if attrs and key in attrs:
            table.attrs[key] = attrs[key]
    return table


def life_table(
    episodes: Any,
    by: str | Sequence[str] | None = None,
    *,
    causes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Count, per group and time, who is at risk, who has an event and who is censored.

    The engine version of :func:`hiring_funnel.life_table` (no weights): the
    grouped counts run where the episodes are, and only days x groups x causes
    come back.

    Parameters
    ----------
    episodes : EngineEpisodes or ibis Table
        From :func:`hiring_funnel.engine.episodes`; a plain Ibis table of
        episodes (``duration``, ``cause`` as text, optional ``entry``) needs ``causes``.
    by : str or sequence of str, optional
        Group columns; missing values form a group of their own.
    causes : sequence of str, optional
        Only for a plain Ibis table: the cause categories, in order.

    Returns
    -------
    DataFrame
        As :func:`hiring_funnel.life_table`: group columns, ``time, at_risk,
        events, events_<cause>..., censored, entered``, int64 counts, attrs.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> from hiring_funnel.engine import episodes
    >>> sim = hf.simulate(100, seed=4)
    >>> ep = episodes(sim.events, "decision", as_of=sim.as_of)
    >>> table = life_table(ep)
    >>> pandas = hf.episodes(sim.events, "decision", as_of=sim.as_of, day_boundary="end_of_day")
    >>> table.equals(hf.life_table(pandas))  # the engines count whole last days
    True
    """
    table, cause_list, attrs = _unpack(episodes, causes)
    by_cols = _by_list(by)
    _check_by(table, by_cols)
    # Engine episodes all start at entry 0: no late-entry branch to scan.
    late = not isinstance(episodes, EngineEpisodes)
    counts = cell_counts(table, by_cols, cause_list, late_entry=late).to_pandas()
    return table_from_counts(counts, by_cols, cause_list, attrs)


def _breakdown_key(by: str | Sequence[str] | None) -> tuple[str, ...]:
    return tuple(_by_list(by))


def clock_life_tables(
    events: Any,
    clocks: Sequence[str] = ("first_response", "interview_feedback", "decision"),
    by: Sequence[str | Sequence[str] | None] = (None,),
    *,
    attributes: Any = None,
    as_of: Any = None,
    unit: str = "days",
    holidays: Any = None,
    withdrawn: str = "censor",
    con: Any = None,
) -> dict[tuple[str, tuple[str, ...]], pd.DataFrame]:
    """Every life table of a report: each clock, overall and per breakdown, in one engine pass.

    One window pass serves every clock (:mod:`hiring_funnel.engine.window`);
    its origin rows are crossed with the clock names, each clock keeps its
    own origins and computes its own duration and cause, and one aggregate
    counts by (clock, every breakdown column, day, cause): the finest cells.
    Each table is that small frame summed over the other columns in pandas.

    Parameters
    ----------
    events, attributes, as_of, unit, holidays, withdrawn, con
        As in :func:`hiring_funnel.engine.episodes` (origin "applied").
    clocks : sequence of str
    by : sequence
        Breakdowns: None (overall), a column, or a list of columns.

    Returns
    -------
    dict
        ``{(clock, by_columns): life table}`` with ``by_columns`` a tuple
        (empty for overall); each table equals :func:`hiring_funnel.life_table`
        of the pandas episodes.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(100, seed=4)
    >>> tables = clock_life_tables(sim.events, by=[None, "industry"],
    ...                            attributes=sim.attributes, as_of=sim.as_of)
    >>> sorted(tables)[:2]
    [('decision', ()), ('decision', ('industry',))]
    """
    import ibis

    from hiring_funnel.clocks import check_options
    from hiring_funnel.engine.episodes import holiday_days, resolve_bounds
    from hiring_funnel.engine.tables import attributes_table, events_table
    from hiring_funnel.engine.window import (
        RANK,
        clock_spec,
        episode_columns,
        in_time,
        keep,
        windowed,
    )
    from hiring_funnel.schema import EventLog

    if isinstance(events, EventLog):
        if attributes is None:
            attributes = events.attributes
        if as_of is None:
            as_of = events.as_of
        events = events.events
    for clock in clocks:
        check_options(clock, unit, withdrawn, "applied", holidays)
    if holidays is not None and not isinstance(holidays, str):
        holidays = tuple(holidays)
    clocks = list(dict.fromkeys(clocks))
    keys = list(dict.fromkeys(_breakdown_key(b) for b in by))
    columns = list(dict.fromkeys(c for key in keys for c in key))
    t = events_table(events, con)
    as_of_ts, first_ts = resolve_bounds(t, as_of, unit)
    hol = holiday_days(holidays, first_ts, as_of_ts) if unit == "business_days" else []
    specs = {c: clock_spec(c, withdrawn) for c in clocks}

    w = windowed(t, list(specs.values()), as_of_ts, candidate=False)
    starts = sorted({RANK[s.start] for s in specs.values()})
    origins = w.filter(w.rank.isin(starts) & in_time(w, as_of_ts))
    if columns:
        # Joined before the clocks are crossed in: one row per origin, not per episode.
        if attributes is None:
            raise HiringFunnelError(f"breakdown column(s) {columns} need attributes")
        attr = attributes_table(attributes, t._find_backend())
        _check_by(attr.mutate(duration=0, cause=ibis.null().cast("string")), columns)
        origins = origins.left_join(
            attr.select("application_id", *columns), "application_id"
        ).select(*origins.columns, *columns)
    x = origins.cross_join(ibis.memtable({_CLOCK: clocks}))
    x = x.filter(ibis.cases(*[(x[_CLOCK] == c, keep(x, s, as_of_ts)) for c, s in specs.items()]))
    made = {c: episode_columns(x, s, as_of_ts, unit, hol) for c, s in specs.items()}
    ep = x.select(
        _CLOCK,
        *columns,
        duration=ibis.cases(*[(x[_CLOCK] == c, m["duration"]) for c, m in made.items()]),
        cause=ibis.cases(*[(x[_CLOCK] == c, m["cause"]) for c, m in made.items()]),
    )
    all_causes = list(dict.fromkeys(c for s in specs.values() for c in s.causes))
    finest = cell_counts(ep, [_CLOCK, *columns], all_causes, late_entry=False).to_pandas()

    out: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = {}
    for clock, spec in specs.items():
        mine = finest[finest[_CLOCK] == clock]
        counts = [f"events_{c}" for c in spec.causes] + ["censored", "entered"]
        options = {"as_of": as_of_ts, "clock": clock, "unit": unit}
        for key in keys:
            part = (
                mine.groupby([*key, "time"], dropna=False, sort=False)[counts].sum().reset_index()
                if list(key) != columns
                else mine[[*key, "time", *counts]]
            )
            out[(clock, key)] = table_from_counts(part, key, spec.causes, options)
    return out


#: The clock column of the single pass (a name no attribute is expected to have).
_CLOCK = "hf_clock"
