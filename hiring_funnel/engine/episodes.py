"""Clocks on an engine: episodes as a lazy Ibis query, equal to :func:`hiring_funnel.episodes`.

The clock's origins and ends are read off one window pass over the events
(:mod:`hiring_funnel.engine.window`: partitioned by application only, one
order, so DuckDB sorts once and Spark shuffles once); a filter keeps the
origin rows, a projection computes durations and causes, and a left join adds
the attributes. Timestamps are ordered to the microsecond (the engines' unit);
the pandas path orders to the nanosecond.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import EPISODE_COLUMNS, check_options, resolve_as_of
from hiring_funnel.daycount import holiday_dates
from hiring_funnel.engine.busdays import weekday_holidays
from hiring_funnel.engine.checks import scan_events
from hiring_funnel.engine.tables import attributes_table, events_table
from hiring_funnel.engine.window import clock_spec, episode_columns, keep, windowed
from hiring_funnel.schema import EventLog, HiringFunnelError

__all__ = ["EngineEpisodes", "episodes"]


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
    counting : ibis Table
        The episodes without ``candidate_id``, from a leaner window pass
        (what :func:`hiring_funnel.engine.life_table` reads).
    """

    table: Any
    causes: tuple[str, ...]
    options: dict[str, Any]
    events: Any
    #: The same episodes without ``candidate_id``, read off a leaner window
    #: (no follow_up rows, nothing after as_of, no candidate): what counts need.
    counting: Any = None
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

        Sorted by application (and round), ``cause`` and ``candidate_id``
        categorical, the other text columns of dtype ``string``, ``attrs`` as :func:`hiring_funnel.episodes` sets them.
        """
        frame = self.table.to_pandas()
        keys = ["application_id"] + (["round"] if "round" in frame.columns else [])
        frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
        for col in frame.columns:
            if frame[col].dtype == object and col != "cause":
                frame[col] = frame[col].astype("string")
        if "candidate_id" in frame.columns:  # as the pandas clocks give it: categorical
            frame["candidate_id"] = frame["candidate_id"].astype("string").astype("category")
        frame["entry"] = frame["entry"].astype(np.float64)
        frame["duration"] = frame["duration"].astype(np.float64)
        frame["cause"] = pd.Categorical(frame["cause"], categories=pd.Index(list(self.causes)))
        for col in ("origin", "end"):
            frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[ns, UTC]")
        if "round" in frame.columns:
            frame["round"] = frame["round"].astype(np.int64)
        frame.attrs = self.attrs
        return frame


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

    The same rules and options as :func:`hiring_funnel.episodes`, except the
    day boundary: an engine's episodes have no ``last_day_share`` and count a
    censored episode at risk all of its last day (``day_boundary="end_of_day"``,
    in ``attrs``); the result stays lazy (an Ibis table) until collected.

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
    check_options(clock, unit, withdrawn, origin, holidays)
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
    as_of_ts, first_ts = resolve_bounds(t, as_of, unit)

    causes = clock_spec(clock, withdrawn, origin).causes
    args = (t, attr, clock, as_of_ts, unit, holidays, withdrawn, origin, first_ts)
    table = _episode_query(*args)
    counting = _episode_query(*args, candidate=False)
    options = {
        "as_of": as_of_ts,
        "clock": clock,
        "unit": unit,
        "holidays": holidays,
        "withdrawn": withdrawn,
        "origin": {"interview_feedback": "interview"}.get(clock, origin),
        # No last_day_share on an engine yet (hiring_funnel.day_boundary): whole last days.
        "day_boundary": "end_of_day",
    }
    return EngineEpisodes(table=table, causes=causes, options=options, events=t, counting=counting)


def resolve_bounds(t: Any, as_of: Any, unit: str) -> tuple[pd.Timestamp, Any]:
    """Check the events and resolve ``as_of`` as the pandas path does.

    One aggregate on the engine (:func:`hiring_funnel.engine.checks.scan_events`):
    the checks of the pandas path (missing ids, events, timestamps; unknown
    events), the latest timestamp (``as_of`` when None) and the first (the
    years of a holiday calendar). Returns ``(as_of, first timestamp)``.
    """
    bounds = scan_events(t)
    first_ts, last_ts = bounds["lo"], bounds["hi"]
    if as_of is None:
        if pd.isna(last_ts):
            return pd.Timestamp("NaT"), first_ts
        return pd.Timestamp(last_ts).tz_convert("UTC"), first_ts
    return resolve_as_of(as_of, np.zeros(0, dtype=np.int64)), first_ts


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
    as_of_ts: pd.Timestamp,
    unit: str,
    holidays: Any,
    withdrawn: str,
    origin: str,
    first_ts: Any,
    *,
    candidate: bool = True,
) -> Any:
    import ibis

    spec = clock_spec(clock, withdrawn, origin)
    w = windowed(t, [spec], as_of_ts, candidate=candidate)
    w = w.filter(keep(w, spec, as_of_ts))
    made = episode_columns(w, spec, as_of_ts, unit, holiday_days(holidays, first_ts, as_of_ts))
    cols: dict[str, Any] = {
        "application_id": w.application_id,
        "entry": ibis.literal(0.0, type="float64"),
        "duration": made["duration"],
        "cause": made["cause"],
        "origin": w.timestamp,
        "end": made["end"],
    }
    if candidate:
        cols = {
            "application_id": cols.pop("application_id"),
            "candidate_id": w.first_candidate.coalesce(w.application_id),
            **cols,
        }
    if clock == "interview_feedback":
        cols["round"] = w[f"run_{spec.start}"].cast("int64")
    out = w.select(**cols)
    if attr is not None:
        extra = [c for c in attr.columns if c != "application_id"]
        if extra:
            out = out.left_join(attr, "application_id").select(*cols, *extra)
    return out


def holiday_days(holidays: Any, first_ts: Any, as_of_ts: pd.Timestamp) -> list[int]:
    if holidays is None or pd.isna(first_ts) or pd.isna(as_of_ts):
        return []
    # Every origin and end lies between the first timestamp and as_of, so the
    # calendar of those years holds every holiday that can fall in an episode.
    years = range(pd.Timestamp(first_ts).year, as_of_ts.year + 1)
    return weekday_holidays(holiday_dates(holidays, years))


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
    row = got.iloc[0]
    # Sums over no applications are NULL: zero here.
    n_apps, with_start, with_episode = (
        0 if pd.isna(row[c]) else int(row[c])
        for c in ("applications", "with_start", "with_episode")
    )
    return {
        "applications": n_apps,
        "skipped": {
            f"no {start} event": n_apps - with_start,
            "origin after as_of": with_start - with_episode,
        },
        "observed_from": None,  # late entry is refused on the engines
    }
