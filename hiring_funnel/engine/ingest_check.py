"""Mapping and validation of a long log as one SQL statement (the rules of ``validate``).

The cells of :mod:`hiring_funnel.engine.ingest_raw` become one ``checked``
table: one row per data row, with the canonical columns and the first
reason it cannot be used (``reason``, ``kind``, ``col``), or NULL. The rules
and their order are those of :func:`hiring_funnel.mapped.apply_mapping` and
:func:`hiring_funnel.validate.validate`:

1. an exact copy of an earlier row (all cells equal): "exact duplicate of line N";
2. the first unreadable cell: missing id, missing or unreadable date,
   missing or unknown event;
3. dated after the as-of date (or after today);
4. conflicting duplicates of a once-only event, then an offer and a rejection
   of one application;
5. dated before its application.

Each step sees only the rows no earlier step quarantined, as in ``validate``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hiring_funnel.engine.ingest_lookup import event_lookup, id_lookup, timestamp_lookup
from hiring_funnel.engine.ingest_raw import RawCSV, fresh_name
from hiring_funnel.engine.ingest_sql import is_plain, missing, py_repr, quote_literal, run, strip
from hiring_funnel.io import short_repr
from hiring_funnel.mapped import _column_list, _referenced_columns
from hiring_funnel.mapping import Mapping
from hiring_funnel.schema import ONCE_ONLY, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, HiringFunnelError
from hiring_funnel.text import clean_id

_ID_COLUMNS = ("application_id", "candidate_id", "company_id")
_ISO_FAST = (
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,6}))?)?)?"
    r"(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?"
)
_ISO_PARTS = "['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'tz']"


@dataclass
class Checked:
    """The ``checked`` table and what was learnt on the way."""

    table: str
    ts_column: str  # the source column of the timestamps, as reasons name it
    ids_cleaned: int
    ids_cleaned_at: tuple[int, str] | None
    attribute_columns: dict[str, str]  # output name -> raw SQL column
    lookups: list[str]


def check_long(
    db: Any,
    raw: RawCSV,
    m: Mapping,
    cutoff: Callable[[], pd.Timestamp | None],
    now: pd.Timestamp,
) -> Checked:
    """Build the ``checked`` table of a long log (see the module docstring)."""
    header = raw.header
    used = [c for c in _referenced_columns(m) if c not in header]
    if used:
        raise HiringFunnelError(
            f"the mapping names column {short_repr(used[0])}, which the file does not have",
            source=raw.source,
            line=1,
            hint=f"the file has: {_column_list(header)}",
        )
    source_of = {c: m.columns.get(c, c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    for col in REQUIRED_COLUMNS:
        spec = source_of[col]
        if not (isinstance(spec, dict) or spec in header):
            raise HiringFunnelError(
                f"missing required column {short_repr(spec)}",
                source=raw.source,
                line=1,
                hint=f"the file has: {_column_list(header)}; name it in a mapping [columns]",
            )
    t = raw.table
    lookups: list[str] = []
    joins: list[str] = []
    cell: dict[str, str] = {}
    for col, spec in source_of.items():
        if isinstance(spec, dict):
            cell[col] = quote_literal(str(spec["value"]))
        elif spec in header:
            cell[col] = f"r.{raw.col(spec)}"
    # Ids: plain ASCII is only trimmed; anything else is cleaned by clean_id itself.
    ids: dict[str, str] = {}
    changed: dict[str, str] = {}
    reprs = "NULL"
    for col in _ID_COLUMNS:
        if col not in cell:
            continue
        spec = source_of[col]
        if isinstance(spec, dict):
            ids[col] = quote_literal(clean_id(str(spec["value"])))
            changed[col] = (
                "true" if clean_id(str(spec["value"])) != str(spec["value"]).strip() else "false"
            )
            continue
        lk = id_lookup(db, t, raw.col(spec))
        lookups.append(lk)
        alias = f"lk_{col}"
        joins.append(f"LEFT JOIN {lk} AS {alias} ON {cell[col]} = {alias}.v")
        ids[col] = (
            f"(CASE WHEN {is_plain(cell[col])} THEN trim({cell[col]}) ELSE {alias}.clean END)"
        )
        changed[col] = f"coalesce({alias}.changed, false)"
        if col == "application_id":
            reprs = f"{alias}.repr"
    ev_lk = event_lookup(db, f"{t} AS r", cell["event"], m)
    lookups.append(ev_lk)
    joins.append(f"LEFT JOIN {ev_lk} AS lk_ev ON {cell['event']} = lk_ev.v")
    ts_cell = cell["timestamp"]
    ts_strip = strip(ts_cell)
    utc_iso = m.timezone == "UTC" and m.date_format in (None, "ISO8601", "iso8601", "iso", "ISO")
    parts = f"regexp_extract({ts_strip}, '^{_ISO_FAST}$', {_ISO_PARTS})"
    fast = (
        f"({is_plain(ts_cell)} AND regexp_full_match({ts_strip}, '{_ISO_FAST}') "
        f"AND NOT (regexp_full_match({ts_strip}, '.{{10}}[+-].*')) "
        f"AND try_cast(left({ts_strip}, 4) AS INTEGER) BETWEEN 1678 AND 2261 "
        f"AND try_cast(left({ts_strip}, 10) AS DATE) IS NOT NULL)"
        if utc_iso
        else "false"
    )
    ts_col = str(source_of["timestamp"])
    ts_lk = timestamp_lookup(db, f"{t} AS r", ts_cell, fast, m, raw.source, ts_col)
    lookups.append(ts_lk)
    joins.append(f"LEFT JOIN {ts_lk} AS lk_ts ON {ts_cell} = lk_ts.v")
    fast_value = (
        "make_timestamp(epoch_us(CAST(make_date(CAST(p.y AS INTEGER), CAST(p.mo AS INTEGER), "
        "CAST(p.d AS INTEGER)) AS TIMESTAMP)) "
        "+ ((coalesce(try_cast(p.h AS BIGINT), 0) * 60 + coalesce(try_cast(p.mi AS BIGINT), 0)) "
        "* 60 + coalesce(try_cast(p.s AS BIGINT), 0)) * 1000000 "
        "+ coalesce(try_cast(rpad(p.f, 6, '0') AS BIGINT), 0) "
        "- (CASE WHEN p.tz IN ('', 'Z') THEN 0 ELSE "
        "(CASE WHEN left(p.tz, 1) = '-' THEN -1 ELSE 1 END) "
        "* (CAST(substr(p.tz, 2, 2) AS BIGINT) * 60 + CAST(substr(p.tz, 5, 2) AS BIGINT)) "
        "* 60000000 END))"
    )
    ev_col = str(source_of["event"])
    app_col = str(m.columns.get("application_id", "application_id"))
    optional = {}
    for col in OPTIONAL_COLUMNS:
        if col not in cell:
            optional[col] = "NULL"
            continue
        value = ids.get(col, strip(cell[col]))
        optional[col] = f"(CASE WHEN {missing(value)} THEN NULL ELSE {value} END)"
    cells = ", ".join(f"r.c{i}" for i in range(len(header)))
    as_of = cutoff()  # after the dates: an ambiguous date is reported first, as in read_events
    limit = as_of if as_of is not None else now
    what = "the as-of date" if as_of is not None else "today"
    limit_sql = f"TIMESTAMP '{limit.tz_convert('UTC').tz_localize(None).isoformat()}'"
    late_tail = f" UTC, after {what} ({limit:%Y-%m-%d %H:%M} UTC)"
    once = ", ".join(quote_literal(e) for e in sorted(ONCE_ONLY))
    app_repr = f"coalesce({py_repr('app', 80)}, app_repr)"
    table = fresh_name("checked")
    mapped = f"""
    SELECT r.line,
        min(r.line) OVER (PARTITION BY {cells}) AS dup_of,
        {ids["application_id"]} AS app, {reprs} AS app_repr,
        lk_ev.canon AS event,
        CASE WHEN p.y IS NOT NULL THEN {fast_value} ELSE lk_ts.ts END AS ts,
        {optional["candidate_id"]} AS candidate_id, {optional["company_id"]} AS company_id,
        {optional["stage"]} AS stage, {optional["channel"]} AS channel,
        CASE WHEN {missing(ids["application_id"])} THEN 'missing application id'
             WHEN {missing(ts_cell)} THEN 'missing timestamp'
             WHEN p.y IS NULL AND lk_ts.why IS NOT NULL THEN lk_ts.why
             WHEN lk_ev.missing THEN 'missing event name'
             ELSE lk_ev.reason END AS r0,
        CASE WHEN {missing(ids["application_id"])} THEN 'missing_id'
             WHEN {missing(ts_cell)} THEN 'missing_date'
             WHEN p.y IS NULL AND lk_ts.why IS NOT NULL THEN 'bad_date'
             WHEN lk_ev.missing THEN 'missing_event'
             ELSE 'unknown_event' END AS k0,
        CASE WHEN {missing(ids["application_id"])} THEN {quote_literal(app_col)}
             WHEN lk_ev.missing OR lk_ev.reason IS NOT NULL THEN
                (CASE WHEN {missing(ts_cell)} OR (p.y IS NULL AND lk_ts.why IS NOT NULL)
                 THEN {quote_literal(ts_col)} ELSE {quote_literal(ev_col)} END)
             ELSE {quote_literal(ts_col)} END AS c0
    FROM (SELECT r.*, CASE WHEN {fast} THEN {parts} END AS p FROM {t} AS r WHERE NOT ragged) AS r
    {" ".join(joins)}
    """
    run(
        db,
        f"""
    CREATE TEMP TABLE {table} AS
    WITH m AS ({mapped}),
    a AS (
        SELECT *,
            CASE WHEN dup_of < line THEN 'exact duplicate of line ' || dup_of END AS r_dup,
            CASE WHEN dup_of = line AND r0 IS NULL AND ts > {limit_sql}
                 THEN 'dated ' || strftime(ts, '%Y-%m-%d %H:%M') || {quote_literal(late_tail)}
            END AS r_late
        FROM m),
    b AS (
        SELECT *, coalesce(r_dup, r0, r_late) IS NULL AS ok1 FROM a),
    c AS (
        SELECT *,
            count(*) FILTER (WHERE ok1) OVER (PARTITION BY app, event) AS n_same,
            min(line) FILTER (WHERE ok1) OVER (PARTITION BY app, event) AS first_same
        FROM b),
    d AS (
        SELECT *,
            ok1 AND event IN ({once}) AND n_same > 1 AS conflict,
            ok1 AND event IN ('offer', 'rejection') AND n_same = 1 AS outcome
        FROM c),
    e AS (
        SELECT *,
            count(*) FILTER (WHERE outcome) OVER (PARTITION BY app) AS n_out,
            min(line) FILTER (WHERE outcome) OVER (PARTITION BY app) AS out_first,
            max(line) FILTER (WHERE outcome) OVER (PARTITION BY app) AS out_last,
            arg_min(event, line) FILTER (WHERE outcome) OVER (PARTITION BY app) AS out_first_ev,
            arg_max(event, line) FILTER (WHERE outcome) OVER (PARTITION BY app) AS out_last_ev
        FROM d),
    f AS (
        SELECT *,
            CASE WHEN conflict THEN 'conflicting duplicates: ''' || event || ''' of application '
                || {app_repr} || ' recorded on ' || format('{{:,}}', n_same)
                || ' rows (first on line ' || first_same || ')' END AS r_conf,
            CASE WHEN outcome AND n_out > 1 THEN 'conflicting outcomes: application '
                || {app_repr} || ' has both an offer and a rejection ('
                || out_first_ev || ' on line ' || out_first || ', '
                || out_last_ev || ' on line ' || out_last || ')' END AS r_out
        FROM e),
    g AS (
        SELECT *, ok1 AND r_conf IS NULL AND r_out IS NULL AS ok2 FROM f),
    h AS (
        SELECT *,
            min(ts) FILTER (WHERE ok2 AND event = 'applied') OVER (PARTITION BY app) AS start,
            min(line) FILTER (WHERE ok2 AND event = 'applied') OVER (PARTITION BY app) AS start_line
        FROM g)
    SELECT line, app, event, ts, candidate_id, company_id, stage, channel,
        coalesce(r_dup, r0, r_late, r_conf, r_out, r_before) AS reason,
        CASE WHEN r_dup IS NOT NULL THEN 'exact_duplicate'
             WHEN r0 IS NOT NULL THEN k0
             WHEN r_late IS NOT NULL THEN 'after_as_of'
             WHEN r_conf IS NOT NULL THEN 'conflicting_duplicate'
             WHEN r_out IS NOT NULL THEN 'conflicting_outcomes'
             WHEN r_before IS NOT NULL THEN 'before_application' END AS kind,
        CASE WHEN r_dup IS NOT NULL THEN NULL
             WHEN r0 IS NOT NULL THEN c0
             WHEN r_out IS NOT NULL THEN {quote_literal(ev_col)}
             WHEN coalesce(r_late, r_conf, r_before) IS NOT NULL THEN {quote_literal(ts_col)}
             END AS col
    FROM (
        SELECT *,
            CASE WHEN ok2 AND event <> 'applied' AND ts < start
                 THEN event || ' dated ' || strftime(ts, '%Y-%m-%d')
                    || ', before its application (' || strftime(start, '%Y-%m-%d')
                    || ', line ' || start_line || ')' END AS r_before
        FROM h)
    """,
    )
    count, first = _ids_cleaned(db, t, raw, source_of, changed, joins)
    return Checked(table, ts_col, count, first, _attribute_columns(raw, m, source_of), lookups)


def _ids_cleaned(
    db: Any,
    t: str,
    raw: RawCSV,
    source_of: dict[str, Any],
    changed: dict[str, str],
    joins: list[str],
) -> tuple[int, tuple[int, str] | None]:
    """Id cells cleaned of invisible characters, and the first one (as ``clean_id_cells``)."""
    if not changed:
        return 0, None
    aggs = ", ".join(
        f"count(*) FILTER (WHERE {c}), min(r.line) FILTER (WHERE {c})" for c in changed.values()
    )
    row = db.execute(
        f"SELECT {aggs} FROM (SELECT * FROM {t} WHERE NOT ragged) AS r {' '.join(joins)}"
    ).fetchall()[0]
    count = 0
    first: tuple[int, str] | None = None
    for j, col in enumerate(changed):
        n, line = row[2 * j], row[2 * j + 1]
        count += int(n)
        if n and (first is None or line < first[0]):
            first = (int(line), str(source_of[col]))
    return count, first


def _attribute_columns(raw: RawCSV, m: Mapping, source_of: dict[str, Any]) -> dict[str, str]:
    taken = {v for v in source_of.values() if isinstance(v, str)} | {"line"}
    names = (
        m.attributes if m.attributes is not None else {c: c for c in raw.header if c not in taken}
    )
    out = {}
    for name, col in names.items():
        out_name = name if name not in ("application_id", "line") else f"{name} (attribute)"
        out[out_name] = raw.col(col)
    return out
