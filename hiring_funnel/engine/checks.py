"""Checks of canonical events on the engine: one aggregate, one clear error.

The pandas path refuses events with a missing ``application_id``, ``event``
or ``timestamp``, or an event name outside :data:`hiring_funnel.schema.EVENTS`
(:func:`hiring_funnel.schema.check_events`). :func:`scan_events` counts the
same problems in one aggregate on the engine, which also returns the first and
last timestamps (``as_of`` and the years of a holiday calendar need them), and
raises :class:`HiringFunnelError` naming the column, the count and the first
line, as the pandas path does.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hiring_funnel.schema import EVENTS, HiringFunnelError

__all__ = ["scan_events"]

_HINT = "drop or repair these rows (hiring_funnel.read_events quarantines them)"


def scan_events(t: Any) -> dict[str, Any]:
    """Check canonical events on the engine; return ``{"lo": first, "hi": last timestamp}``.

    Raises
    ------
    HiringFunnelError
        For the first of: unknown event names, missing ``event``, missing
        ``timestamp``, missing ``application_id`` (the order of the pandas checks).

    Examples
    --------
    >>> import pandas as pd
    >>> from hiring_funnel.engine.tables import events_table
    >>> ev = pd.DataFrame({"application_id": ["a", None], "event": ["applied", "applied"],
    ...                    "timestamp": pd.to_datetime(["2024-03-01", "2024-03-02"], utc=True),
    ...                    "line": [2, 3]})
    >>> scan_events(events_table(ev))
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: column 'application_id': 1 missing value(s), first at line 3 (drop or repair these rows (hiring_funnel.read_events quarantines them))
    """
    import ibis

    unknown = t.event.notnull() & ~t.event.isin(list(EVENTS))
    problems = {
        "unknown_event": unknown,
        "event": t.event.isnull(),
        "timestamp": t.timestamp.isnull(),
        "application_id": t.application_id.isnull(),
    }
    metrics: dict[str, Any] = {"lo": t.timestamp.min(), "hi": t.timestamp.max()}
    for name, bad in problems.items():
        metrics[f"n_{name}"] = bad.fill_null(False).cast("int64").sum()
        metrics[f"line_{name}"] = bad.ifelse(t.line, ibis.null().cast("int64")).min()
    metrics["first_unknown"] = unknown.ifelse(t.event, ibis.null().cast("string")).min()
    got = t.aggregate(**metrics).to_pandas().iloc[0]
    n_unknown = _int(got["n_unknown_event"])
    if n_unknown:
        raise HiringFunnelError(
            f"{n_unknown} unknown event name(s), first {got['first_unknown']!r}"
            + _where(got["line_unknown_event"])
            + f"; allowed: {list(EVENTS)}",
            column="event",
            line=_line(got["line_unknown_event"]),
        )
    for col in ("event", "timestamp", "application_id"):
        n = _int(got[f"n_{col}"])
        if n:
            line = _line(got[f"line_{col}"])
            where = f"line {line}" if line is not None else "a row without a line number"
            raise HiringFunnelError(
                f"{n} missing value(s), first at {where}", line=line, column=col, hint=_HINT
            )
    return {"lo": got["lo"], "hi": got["hi"]}


def _int(value: Any) -> int:
    return 0 if pd.isna(value) else int(value)


def _line(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _where(value: Any) -> str:
    line = _line(value)
    return f" at line {line}" if line is not None else ""
