"""Canonical events where they live (a Spark table or DataFrame, Parquet on a cluster).

``read_events(source, engine="spark")`` reads a log that already has the
canonical columns (``application_id, event, timestamp`` and the optional ones
of :mod:`hiring_funnel.schema`), as the warehouse or the DuckDB path wrote it.
Mappings (column names, value tables, wide trackers) are applied by the
DuckDB and pandas paths; on Spark the log is read as it is.

Each row is checked with Ibis expressions, so the checks run on the engine
where the rows are: a missing id, event or date, an event name outside the
vocabulary, a date that cannot be read or one after the as-of date send the
row to the quarantine with its kind (:data:`~hiring_funnel.schema.QUARANTINE_KINDS`).
``rows_read == rows_loaded + rows_quarantined`` always holds. The checks of
the DuckDB path that compare rows with each other (exact and conflicting
duplicates, an offer and a rejection for one application, events dated
before their application) are not run here; ``meta["checks_not_run"]`` names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.schema import (
    EVENTS,
    OPTIONAL_COLUMNS,
    QUARANTINE_COLUMNS,
    REQUIRED_COLUMNS,
    EventLog,
    HiringFunnelError,
    Problem,
    as_canonical_events,
)

#: The row checks of the DuckDB and pandas paths that this reader does not run.
NOT_RUN = ("exact_duplicate", "conflicting_duplicate", "conflicting_outcomes", "before_application")

_REASONS = {
    "missing_id": ("application_id", "missing application id"),
    "missing_event": ("event", "missing event name"),
    "unknown_event": ("event", "an event name outside the vocabulary"),
    "missing_date": ("timestamp", "missing date"),
    "bad_date": ("timestamp", "a date that cannot be read"),
    "after_as_of": ("timestamp", "dated after the as-of date"),
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
            exact_duplicates=0,
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
    import ibis

    from hiring_funnel.engine.spark import spark_table

    raw = spark_table(con, source if table is None else None, table=table)
    name = table or (Path(source).name if isinstance(source, str | Path) else "DataFrame")
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
    app = raw.application_id.cast("string").strip()
    app = ibis.ifelse(app == "", ibis.null("string"), app)
    ev = raw.event.cast("string").strip().lower()
    ts_text = raw.timestamp.cast("string").strip()
    ts = raw.timestamp if raw.timestamp.type().is_timestamp() else ts_text.try_cast("timestamp")
    checks = [
        (app.isnull(), "missing_id"),
        (ev.isnull() | (ev == ""), "missing_event"),
        (~ev.isin(list(EVENTS)), "unknown_event"),
        (ts_text.isnull() | (ts_text == ""), "missing_date"),
        (ts.isnull(), "bad_date"),
    ]
    if cutoff is not None:
        checks.append((ts > ibis.literal(cutoff.tz_convert(None)), "after_as_of"))
    case = ibis.cases(*checks, else_=ibis.null("string"))
    line = raw.line.cast("int64") if "line" in raw.columns else ibis.null("int64")
    optional = {c: raw[c].cast("string") for c in OPTIONAL_COLUMNS if c in raw.columns}
    checked = raw.mutate(
        _kind=case, application_id=app, event=ev, timestamp=ts, line=line, **optional
    )
    kept = [*REQUIRED_COLUMNS, *optional, "line"]
    events = checked.filter(checked._kind.isnull()).select(*kept)
    bad = checked.filter(checked._kind.notnull())
    column = ibis.cases(*((bad._kind == k, c) for k, (c, _) in _REASONS.items()))
    reason = ibis.cases(*((bad._kind == k, r) for k, (_, r) in _REASONS.items()))
    quarantine = bad.select(
        file=ibis.literal(name), line=bad.line, column=column, reason=reason, kind=bad._kind
    )
    counts = checked.aggregate(
        read=checked.count(), bad=checked._kind.notnull().cast("int64").sum().fill_null(0)
    ).to_pandas()
    n_read, n_bad = int(counts["read"].iloc[0]), int(counts["bad"].iloc[0])
    attr = None if attributes is None else spark_table(con, attributes)
    if attr is not None and "application_id" not in attr.columns:
        raise HiringFunnelError("the attributes have no application_id column", source=name)
    assert tuple(quarantine.columns) == QUARANTINE_COLUMNS
    meta: dict[str, Any] = {"engine": con.name, "native": True, "checks_not_run": NOT_RUN}
    if attr is not None:
        n_attr = int(attr.count().to_pandas())
        unmatched = int(attr.anti_join(events, "application_id").count().to_pandas())
        meta["attributes"] = {
            "source": Path(attributes).name if isinstance(attributes, str | Path) else "DataFrame",
            "rows_read": n_attr,
            "rows_loaded": n_attr,
            "rows_quarantined": 0,
            "rows_unmatched": unmatched,
        }
    return CanonicalLog(
        con=con,
        events=events,
        attributes=attr,
        quarantine=quarantine,
        rows_read=n_read,
        rows_loaded=n_read - n_bad,
        rows_quarantined=n_bad,
        source=name,
        as_of=cutoff,
        meta=meta,
    )


def _timestamp(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
