"""Canonical events where they live (a Spark table or DataFrame, Parquet on a cluster).

``read_events(source, engine="spark")`` reads a log that already has the
canonical columns (``application_id, event, timestamp`` and the optional ones
of :mod:`hiring_funnel.schema`), as the warehouse or the DuckDB path wrote it.
Mappings (column names, value tables, wide trackers) are applied by the
DuckDB and pandas paths; on Spark the log is read as it is.

Each row is checked with Ibis expressions (:func:`check_canonical`), so the
checks run on the engine where the rows are, in the order of the pandas path
(:func:`hiring_funnel.io.validate.validate`): exact copies of an earlier row; a
missing id, event or date, an event name outside the vocabulary, a date that
cannot be read or one after the as-of date; then, comparing rows with window
functions, conflicting duplicates of a once-only event, an offer and a
rejection for one application, and events dated before their application.
A bad row goes to the quarantine with its kind
(:data:`~hiring_funnel.schema.QUARANTINE_KINDS`);
``rows_read == rows_loaded + rows_quarantined`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.schema import (
    EVENTS,
    ONCE_ONLY,
    OPTIONAL_COLUMNS,
    QUARANTINE_COLUMNS,
    REQUIRED_COLUMNS,
    EventLog,
    HiringFunnelError,
    Problem,
    as_canonical_events,
)

_REASONS = {
    "missing_id": ("application_id", "missing application id"),
    "missing_event": ("event", "missing event name"),
    "unknown_event": ("event", "an event name outside the vocabulary"),
    "missing_date": ("timestamp", "missing date"),
    "bad_date": ("timestamp", "a date that cannot be read"),
    "after_as_of": ("timestamp", "dated after the as-of date"),
    "exact_duplicate": (None, "exact copy of an earlier row"),
    "conflicting_duplicate": (
        "timestamp",
        "conflicting duplicates: a once-only event on more than one row",
    ),
    "conflicting_outcomes": ("event", "conflicting outcomes: both an offer and a rejection"),
    "before_application": ("timestamp", "dated before its application"),
}


@dataclass
class CanonicalLog:
    """A log of canonical events on an engine, checked row by row (see the module).

    The same reading surface as :class:`hiring_funnel.engine.EngineLog`:
    ``events``, ``attributes`` and ``quarantine`` are lazy Ibis tables.
    """

    con: Any
    events: Any
    attributes: Any
    quarantine: Any
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    source: str
    as_of: pd.Timestamp | None
    meta: dict[str, Any]
    rows_skipped: int = 0
    exact_duplicates: int = 0
    problems: tuple[Problem, ...] = field(default=())

    def quarantine_sample(self, n: int = 20) -> pd.DataFrame:
        """The first ``n`` quarantined rows as a DataFrame."""
        return self.quarantine.limit(n).to_pandas()

    def write_quarantine(self, path: str | Path) -> Path:
        """Write the quarantined rows as CSV (atomically; collected: they are few)."""
        from hiring_funnel.outputs import write_guarded_csv

        return write_guarded_csv(self.quarantine.to_pandas(), path, force=True)

    def to_event_log(self) -> EventLog:
        """Collect the log as pandas frames (small logs)."""
        events = as_canonical_events(self.events.to_pandas())
        attributes = (
            self.attributes.to_pandas()
            if self.attributes is not None
            else pd.DataFrame({"application_id": events["application_id"].unique()})
        )
        return EventLog(
            events=events,
            attributes=attributes,
            quarantine=self.quarantine.to_pandas(),
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_quarantined=self.rows_quarantined,
            exact_duplicates=self.exact_duplicates,
            problems=(),
            source=self.source,
            as_of=self.as_of,
            meta=dict(self.meta),
        )


def read_canonical(
    con: Any,
    source: Any,
    *,
    table: str | None = None,
    attributes: Any = None,
    as_of: Any = None,
) -> CanonicalLog:
    """Check a table of canonical events on the engine of ``con`` (see the module)."""
    from hiring_funnel.engine.spark import spark_table

    raw = spark_table(con, source if table is None else None, table=table)
    name = table or (Path(source).name if isinstance(source, str | Path) else "DataFrame")
    attr = None if attributes is None else spark_table(con, attributes)
    attr_name = Path(attributes).name if isinstance(attributes, str | Path) else "DataFrame"
    return check_canonical(con, raw, name, as_of=as_of, attributes=attr, attributes_name=attr_name)


def check_canonical(
    con: Any,
    raw: Any,
    name: str,
    *,
    as_of: Any = None,
    attributes: Any = None,
    attributes_name: str = "DataFrame",
    now: pd.Timestamp | None = None,
) -> CanonicalLog:
    """Check an Ibis table of canonical events where it is (any Ibis backend).

    The checks and their order are those of :func:`hiring_funnel.io.validate.validate`:
    exact copies of an earlier row; cells (missing id, event or date, an event
    outside the vocabulary, a date that cannot be read, one after the as-of
    date or, without one, after ``now``); then, among the rows left, conflicting
    duplicates of a once-only event, an offer and a rejection for one
    application, and events dated before their application. A row takes the
    first reason that applies. Lines come from a ``line`` column when the
    table has one (null otherwise).
    """
    import ibis

    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise HiringFunnelError(
            f"required column {missing[0]!r} is missing",
            source=name,
            line=1,
            hint="on Spark the log is read as it is: give it the canonical columns "
            "(application_id, event, timestamp), or map it with the DuckDB path first",
        )
    cutoff = None if as_of is None else _timestamp(as_of)
    limit = cutoff if cutoff is not None else _timestamp(now or pd.Timestamp.now(tz="UTC"))
    has_line = "line" in raw.columns
    line = raw.line.cast("int64") if has_line else ibis.null("int64")
    # 1. Exact copies: every column but the line equal to an earlier row's.
    cells = [c for c in raw.columns if c != "line"]
    copies = ibis.window(
        group_by=[raw[c] for c in cells], order_by=line if has_line else raw[cells[0]]
    )
    raw = raw.mutate(
        _copy=ibis.row_number().over(copies),
        _first=line.min().over(ibis.window(group_by=[raw[c] for c in cells])) if has_line else line,
    )
    # 2. Cells.
    app = raw.application_id.cast("string").strip()
    app = ibis.ifelse(app == "", ibis.null("string"), app)
    ev = raw.event.cast("string").strip().lower()
    ts_text = raw.timestamp.cast("string").strip()
    ts = raw.timestamp if raw.timestamp.type().is_timestamp() else ts_text.try_cast("timestamp")
    checks = [
        (raw._copy > 0, "exact_duplicate"),
        (app.isnull(), "missing_id"),
        (ts_text.isnull() | (ts_text == ""), "missing_date"),
        (ts.isnull(), "bad_date"),
        (ev.isnull() | (ev == ""), "missing_event"),
        (~ev.isin(list(EVENTS)), "unknown_event"),
        (ts > ibis.literal(limit.tz_convert(None)), "after_as_of"),
    ]
    optional = {c: raw[c].cast("string") for c in OPTIONAL_COLUMNS if c in raw.columns}
    t = raw.mutate(
        _kind=ibis.cases(*checks, else_=ibis.null("string")),
        application_id=app,
        event=ev,
        timestamp=ts,
        line=line,
        **optional,
    )
    # 3. Rows compared with each other, among the rows no earlier check took.
    ok = t._kind.isnull()
    once = ok & t.event.isin(sorted(ONCE_ONLY))
    t = t.mutate(
        _same=once.cast("int64").sum().over(ibis.window(group_by=[t.application_id, t.event])),
        _once=once,
    )
    single = t._once & (t._same == 1) & t.event.isin(["offer", "rejection"])
    per_app = ibis.window(group_by=t.application_id)
    t = t.mutate(
        _kind=ibis.cases(
            (t._kind.notnull(), t._kind),
            (t._once & (t._same > 1), "conflicting_duplicate"),
            else_=ibis.null("string"),
        ),
        _offers=(single & (t.event == "offer")).cast("int64").sum().over(per_app),
        _rejections=(single & (t.event == "rejection")).cast("int64").sum().over(per_app),
        _single=single,
    )
    t = t.mutate(
        _kind=ibis.ifelse(
            t._single & (t._offers > 0) & (t._rejections > 0), "conflicting_outcomes", t._kind
        )
    )
    applied = ibis.ifelse(
        t._kind.isnull() & (t.event == "applied"), t.timestamp, ibis.null("timestamp")
    )
    t = t.mutate(_applied=applied.max().over(ibis.window(group_by=t.application_id)))
    early = t._kind.isnull() & (t.event != "applied") & (t.timestamp < t._applied)
    checked = t.mutate(_kind=ibis.ifelse(early, "before_application", t._kind))
    kept = [*REQUIRED_COLUMNS, *optional, "line"]
    events = checked.filter(checked._kind.isnull()).select(*kept)
    bad = checked.filter(checked._kind.notnull())
    column = ibis.cases(
        *((bad._kind == k, c) for k, (c, _) in _REASONS.items() if c), else_=ibis.null("string")
    )
    reason = ibis.cases(
        *((bad._kind == k, r) for k, (_, r) in _REASONS.items()), else_=ibis.null("string")
    )
    copy_of = ibis.literal("exact duplicate of line ") + bad._first.cast("string")
    reason = ibis.ifelse(
        bad._kind == "exact_duplicate", copy_of.fill_null(_REASONS["exact_duplicate"][1]), reason
    )
    quarantine = bad.select(
        file=ibis.literal(name), line=bad.line, column=column, reason=reason, kind=bad._kind
    )
    counts = checked.aggregate(
        read=checked.count(),
        bad=checked._kind.notnull().cast("int64").sum().fill_null(0),
        copies=(checked._kind == "exact_duplicate").cast("int64").sum().fill_null(0),
    ).to_pandas()
    n_read, n_bad = int(counts["read"].iloc[0]), int(counts["bad"].iloc[0])
    if attributes is not None and "application_id" not in attributes.columns:
        raise HiringFunnelError("the attributes have no application_id column", source=name)
    assert tuple(quarantine.columns) == QUARANTINE_COLUMNS
    meta: dict[str, Any] = {"engine": con.name, "native": True}
    if attributes is not None:
        n_attr = int(attributes.count().to_pandas())
        unmatched = int(attributes.anti_join(events, "application_id").count().to_pandas())
        meta["attributes"] = {
            "source": attributes_name,
            "rows_read": n_attr,
            "rows_loaded": n_attr,
            "rows_quarantined": 0,
            "rows_unmatched": unmatched,
        }
    return CanonicalLog(
        con=con,
        events=events,
        attributes=attributes,
        quarantine=quarantine,
        rows_read=n_read,
        rows_loaded=n_read - n_bad,
        rows_quarantined=n_bad,
        source=name,
        as_of=cutoff,
        meta=meta,
        exact_duplicates=int(counts["copies"].iloc[0]),
    )


def _timestamp(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
