"""Mapping and validation of a long log as one SQL statement (the rules of ``validate``).

The cells of :mod:`hiring_funnel.engine.ingest_raw` become one ``checked``
table: one row per data row, with the canonical columns and the first
reason it cannot be used (``reason``, ``kind``, ``col``), or NULL. The rules
and their order are those of :func:`hiring_funnel.io.mapped.apply_mapping` and
:func:`hiring_funnel.io.validate.validate`:

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
from hiring_funnel.engine.ingest_sql import is_ascii, missing, py_repr, quote_literal, run, strip
from hiring_funnel.io.cell_values import normalise_format
from hiring_funnel.io.mapped import column_list, referenced_columns
from hiring_funnel.io.mapping import Mapping
from hiring_funnel.io.readers import short_repr
from hiring_funnel.schema import ONCE_ONLY, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, HiringFunnelError
from hiring_funnel.text import clean_id

_ID_COLUMNS = ("application_id", "candidate_id", "company_id")
_ISO_FAST = (
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,6}))?)?)?"
    r"(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?"
)
_ISO_PARTS = "['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'tz']"
#: The shapes most exports write, read without a regular expression's groups.
_SHAPE_Z = r"\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ"
_SHAPE_DATE = r"\d{4}-\d\d-\d\d"


def utc_iso(m: Mapping) -> bool:
    """Whether dates are read as ISO 8601 in UTC (then most are read by SQL itself)."""
    return m.timezone == "UTC" and normalise_format(m.date_format) in (None, "ISO8601")


def fast_columns(cell: str, *, stripped: bool = False) -> str:
    """Select-list items ``ts_a``, ``ts_p``, ``ts_fast``: the UTC time of an ISO 8601 cell
    that pandas reads the same way, else NULL (``parse_timestamps`` then reads it).

    Years 1678 to 2261 only (pandas' range, with a margin that offsets
    cannot cross); an impossible date (February 30) is NULL here and gets its
    reason from ``parse_timestamps``. ``2024-03-01T10:00:00Z`` and
    ``2024-03-01`` are read without a regular expression's groups.
    ``stripped``: ``str.strip()`` leaves every cell as it is (a plain column).
    """
    s = cell if stripped else strip(cell)
    year = f"try_cast(left({s}, 4) AS INTEGER) BETWEEN 1678 AND 2261"
    general = (
        "make_timestamp(epoch_us(CAST(make_date(CAST(ts_p['y'] AS INTEGER), "
        "CAST(ts_p['mo'] AS INTEGER), CAST(ts_p['d'] AS INTEGER)) AS TIMESTAMP)) "
        "+ ((coalesce(try_cast(ts_p['h'] AS BIGINT), 0) * 60 "
        "+ coalesce(try_cast(ts_p['mi'] AS BIGINT), 0)) "
        "* 60 + coalesce(try_cast(ts_p['s'] AS BIGINT), 0)) * 1000000 "
        "+ coalesce(try_cast(rpad(ts_p['f'], 6, '0') AS BIGINT), 0) "
        "- (CASE WHEN ts_p['tz'] IN ('', 'Z') THEN 0 ELSE "
        "(CASE WHEN left(ts_p['tz'], 1) = '-' THEN -1 ELSE 1 END) "
        "* (CAST(substr(ts_p['tz'], 2, 2) AS BIGINT) * 60 + CAST(substr(ts_p['tz'], 5, 2) AS BIGINT)) "
        "* 60000000 END))"
    )
    return (
        f"CASE WHEN NOT coalesce({year}, false) THEN NULL "
        f"WHEN regexp_full_match({cell}, '{_SHAPE_Z}') "
        f"THEN try_strptime({cell}, '%Y-%m-%dT%H:%M:%SZ') "
        f"WHEN regexp_full_match({cell}, '{_SHAPE_DATE}') "
        f"THEN CAST(try_cast({cell} AS DATE) AS TIMESTAMP) END AS ts_a, "
        f"CASE WHEN ts_a IS NULL AND coalesce({year}, false) AND {is_ascii(cell)} "
        f"AND regexp_full_match({s}, '{_ISO_FAST}') "
        f"AND NOT regexp_full_match({s}, '.{{10}}[+-].*') "
        f"AND try_cast(left({s}, 10) AS DATE) IS NOT NULL "
        f"THEN regexp_extract({s}, '^{_ISO_FAST}$', {_ISO_PARTS}) END AS ts_p, "
        f"coalesce(ts_a, CASE WHEN ts_p IS NOT NULL THEN {general} END) AS ts_fast"
    )


_NO_FAST = "NULL::TIMESTAMP AS ts_a, NULL AS ts_p, NULL::TIMESTAMP AS ts_fast"


@dataclass
class Checked:
    """The ``checked`` table and what was learnt on the way."""

    table: str
    ts_column: str  # the source column of the timestamps, as reasons name it
    ids_cleaned: int
    ids_cleaned_at: tuple[int, str] | None
    attribute_columns: dict[str, str]  # output name -> raw SQL column
    lookups: list[str]
    #: The rows steps 4-5 flag; a "before its application" reason holds chr(1) where
    #: read_events writes the line of the application as a float (see :func:`finish`).
    later: str = ""
    #: When steps 4-5 flag no row: per loaded application, ``hf_applied`` (has an
    #: 'applied' event) and ``hf_first`` (its first line); else "".
    per_app: str = ""


def check_long(
    db: Any,
    raw: RawCSV,
    m: Mapping,
    cutoff: Callable[[], pd.Timestamp | None],
    now: pd.Timestamp,
) -> Checked:
    """Build the ``checked`` table of a long log (see the module docstring)."""
    header = raw.header
    used = [c for c in referenced_columns(m) if c not in header]
    if used:
        raise HiringFunnelError(
            f"the mapping names column {short_repr(used[0])}, which the file does not have",
            source=raw.source,
            line=1,
            hint=f"the file has: {column_list(header)}",
        )
    source_of = {c: m.columns.get(c, c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    for col in REQUIRED_COLUMNS:
        spec = source_of[col]
        if not (isinstance(spec, dict) or spec in header):
            raise HiringFunnelError(
                f"missing required column {short_repr(spec)}",
                source=raw.source,
                line=1,
                hint=f"the file has: {column_list(header)}; name it in a mapping [columns]",
            )
    t = raw.table
    lookups: list[str] = []
    joins: list[str] = []
    cell: dict[str, str] = {}
    stripped: dict[str, str] = {}  # str.strip() of the cell
    tokenless: set[str] = set()  # plain cells, none a missing token but ''
    for col, spec in source_of.items():
        if isinstance(spec, dict):
            cell[col] = quote_literal(str(spec["value"]))
            stripped[col] = quote_literal(str(spec["value"]).strip())
        elif spec in header:
            cell[col] = f"r.{raw.col(spec)}"
            plain = bool(raw.plain) and raw.plain[header.index(spec)]
            stripped[col] = cell[col] if plain else strip(cell[col])
            if raw.tokenless and raw.tokenless[header.index(spec)]:
                tokenless.add(col)

    def absent(col: str, expr: str) -> str:
        """is_missing of ``expr``, the stripped (or cleaned) value of ``col``."""
        if col in tokenless:
            return f"coalesce({expr} = '', true)"
        return missing(expr, stripped=True)

    def null_if_missing(col: str) -> str:
        return f"CASE WHEN {absent(col, col)} THEN NULL ELSE {col} END"

    # Ids: plain ASCII is only trimmed; anything else is cleaned by clean_id itself.
    ids: dict[str, str] = {}
    changed: dict[str, str] = {}
    reprs = "NULL"
    id_lks: dict[str, str] = {}
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
        if not db.execute(f"SELECT count(*) FROM {lk}").fetchall()[0][0]:
            ids[col] = stripped[col]  # every id is ASCII: only stripped
            continue
        id_lks[col] = lk
        alias = f"lk_{col}"
        joins.append(f"LEFT JOIN {lk} AS {alias} ON {cell[col]} = {alias}.v")
        ids[col] = f"(CASE WHEN {is_ascii(cell[col])} THEN {stripped[col]} ELSE {alias}.clean END)"
        changed[col] = f"coalesce({alias}.changed, false)"
        if col == "application_id":
            reprs = f"{alias}.repr"
    ev_lk = event_lookup(db, f"{t} AS r", cell["event"], m)
    lookups.append(ev_lk)
    joins.append(f"LEFT JOIN {ev_lk} AS lk_ev ON {cell['event']} = lk_ev.v")
    ts_cell = cell["timestamp"]
    ts_col = str(source_of["timestamp"])
    if "ts_fast" in raw.columns:  # read in the pass over the file (ingest_raw's extra)
        fast = ""
        pending = (
            f"SELECT {ts_cell} AS v, r.line FROM {t} AS r WHERE NOT ragged AND ts_fast IS NULL"
        )
    else:
        fast = ", " + (fast_columns(ts_cell) if utc_iso(m) else _NO_FAST)
        pending = (
            f"SELECT v, line FROM (SELECT {ts_cell} AS v, r.line{fast} FROM {t} AS r "
            "WHERE NOT ragged) WHERE ts_fast IS NULL"
        )
    ts_lk = timestamp_lookup(db, pending, m, raw.source, ts_col)
    lookups.append(ts_lk)
    joins.append(f"LEFT JOIN {ts_lk} AS lk_ts ON {ts_cell} = lk_ts.v")
    ev_col = str(source_of["event"])
    app_col = str(m.columns.get("application_id", "application_id"))
    optional = {}
    for col in OPTIONAL_COLUMNS:
        optional[col] = ids.get(col, stripped[col]) if col in cell else "NULL::VARCHAR"
    cells = ", ".join(f"r.c{i}" for i in range(len(header)))
    as_of = cutoff()  # after the dates: an ambiguous date is reported first, as in read_events
    limit = as_of if as_of is not None else now
    what = "the as-of date" if as_of is not None else "today"
    limit_sql = f"TIMESTAMP '{limit.tz_convert('UTC').tz_localize(None).isoformat()}'"
    late_tail = f" UTC, after {what} ({limit:%Y-%m-%d %H:%M} UTC)"
    once = ", ".join(quote_literal(e) for e in sorted(ONCE_ONLY))
    first = fresh_name("mapped")
    # 1. Each row mapped, with the first reason of steps 1-3 (duplicates, cells, as-of).
    run(
        db,
        f"""
    CREATE TEMP TABLE {first} AS
    WITH multi AS (
        SELECT h FROM {t} WHERE NOT ragged GROUP BY h HAVING count(*) > 1),
    dups AS (
        SELECT r.line, min(r.line) OVER (PARTITION BY {cells}) AS dup_of
        FROM {t} AS r WHERE NOT ragged AND h IN (SELECT h FROM multi)),
    l1 AS (
        SELECT r.line, coalesce(dups.dup_of, r.line) AS dup_of,
            {ids["application_id"]} AS app, {reprs} AS app_repr,
            lk_ev.canon AS event, lk_ev.missing AS ev_missing, lk_ev.reason AS ev_reason,
            {absent("timestamp", stripped["timestamp"])} AS ts_missing,
            coalesce(r.ts_fast, lk_ts.ts) AS ts,
            CASE WHEN r.ts_fast IS NULL THEN lk_ts.why END AS ts_why,
            {optional["candidate_id"]} AS candidate_id, {optional["company_id"]} AS company_id,
            {optional["stage"]} AS stage, {optional["channel"]} AS channel
        FROM (SELECT r.*{fast} FROM {t} AS r WHERE NOT ragged) AS r
        LEFT JOIN dups ON r.line = dups.line
        {" ".join(joins)}),
    l2 AS (
        SELECT line, dup_of, app, app_repr, event, ts, ts_missing, ts_why, ev_missing, ev_reason,
            {absent("application_id", "app")} AS app_missing,
            {null_if_missing("candidate_id")} AS candidate_id,
            {null_if_missing("company_id")} AS company_id,
            {null_if_missing("stage")} AS stage,
            {null_if_missing("channel")} AS channel
        FROM l1),
    l3 AS (
        SELECT *,
            CASE WHEN app_missing THEN 'missing application id'
                 WHEN ts_missing THEN 'missing timestamp'
                 WHEN ts_why IS NOT NULL THEN ts_why
                 WHEN ev_missing THEN 'missing event name'
                 ELSE ev_reason END AS r0
        FROM l2)
    SELECT line, app, app_repr, event, ts, candidate_id, company_id, stage, channel,
        CASE WHEN dup_of < line THEN 'exact duplicate of line ' || dup_of
             WHEN r0 IS NOT NULL THEN r0
             WHEN ts > {limit_sql}
             THEN 'dated ' || strftime(ts, '%Y-%m-%d %H:%M') || {quote_literal(late_tail)}
             END AS reason,
        CASE WHEN dup_of < line THEN 'exact_duplicate'
             WHEN app_missing THEN 'missing_id'
             WHEN ts_missing THEN 'missing_date'
             WHEN ts_why IS NOT NULL THEN 'bad_date'
             WHEN ev_missing THEN 'missing_event'
             WHEN r0 IS NOT NULL THEN 'unknown_event'
             WHEN ts > {limit_sql} THEN 'after_as_of' END AS kind,
        CASE WHEN dup_of < line THEN NULL
             WHEN app_missing THEN {quote_literal(app_col)}
             WHEN ts_missing OR ts_why IS NOT NULL THEN {quote_literal(ts_col)}
             WHEN r0 IS NOT NULL THEN {quote_literal(ev_col)}
             WHEN ts > {limit_sql} THEN {quote_literal(ts_col)} END AS col
    FROM l3
    """,
    )
    # 2. Steps 4-5 on the rows still usable, narrow: only the rows they flag come out.
    app_repr = f"coalesce({py_repr('app', 80)}, app_repr)"
    conflict = (
        "'conflicting duplicates: ''' || event || ''' of application ' || "
        f"{app_repr} || ' recorded on ' || format('{{:,}}', n_same) "
        "|| ' rows (first on line ' || first_same || ')'"
    )
    # Per application of the usable rows: whether a rule of steps 4-5 could fire (a
    # once-only event twice: more such rows than distinct bits; an offer and a
    # rejection: bits 2 and 4; an event before an application), and what the
    # attributes step needs (an 'applied' event, the first line) when none fires.
    per_app = fresh_name("per_app")
    run(
        db,
        f"""
    CREATE TEMP TABLE {per_app} AS
    SELECT app,
        count(*) FILTER (WHERE bit > 0) > bit_count(bit_or(bit))
            OR bit_or(bit) & 6 = 6
            OR min(t_other) < max(t_applied) AS suspect,
        bool_or(bit = 1) AS hf_applied, min(line) AS hf_first
    FROM (
        SELECT app, line, {_ONCE_BITS} AS bit,
            CASE WHEN event = 'applied' THEN NULL ELSE ts END AS t_other,
            CASE WHEN event = 'applied' THEN ts END AS t_applied
        FROM {first} WHERE reason IS NULL)
    GROUP BY app
    """,
    )
    later = fresh_name("later")
    run(
        db,
        f"""
    CREATE TEMP TABLE {later} AS
    WITH usable AS NOT MATERIALIZED (
        SELECT line, app, app_repr, event, ts FROM {first} WHERE reason IS NULL),
    -- Only applications where a rule could fire go through the windows below.
    suspect AS (SELECT app FROM {per_app} WHERE suspect),
    ok AS (
        SELECT * FROM usable WHERE app IN (SELECT app FROM suspect)),
    c AS (
        SELECT *,
            count(*) OVER (PARTITION BY app, event) AS n_same,
            min(line) OVER (PARTITION BY app, event) AS first_same
        FROM ok),
    d AS (
        SELECT *,
            event IN ({once}) AND n_same > 1 AS conflict,
            event IN ('offer', 'rejection') AND n_same = 1 AS outcome,
            event = 'applied' AND n_same = 1 AS start_row
        FROM c),
    e AS (
        SELECT *,
            count(*) FILTER (WHERE outcome) OVER w AS n_out,
            min(line) FILTER (WHERE outcome) OVER w AS out_first,
            max(line) FILTER (WHERE outcome) OVER w AS out_last,
            min(ts) FILTER (WHERE start_row) OVER w AS start,
            min(line) FILTER (WHERE start_row) OVER w AS start_line
        FROM d WINDOW w AS (PARTITION BY app)),
    f AS (
        SELECT *,
            CASE WHEN conflict THEN {conflict}
                 WHEN outcome AND n_out > 1 THEN 'conflicting outcomes: application '
                    || {app_repr} || ' has both an offer and a rejection ('
                    || CASE WHEN out_first = line THEN event ELSE other END
                    || ' on line ' || out_first || ', '
                    || CASE WHEN out_last = line THEN event ELSE other END
                    || ' on line ' || out_last || ')'
                 WHEN event <> 'applied' AND ts < start
                 THEN event || ' dated ' || strftime(ts, '%Y-%m-%d')
                    || ', before its application (' || strftime(start, '%Y-%m-%d')
                    || ', line ' || start_line || chr(1) || ')' END AS reason,
            CASE WHEN conflict THEN 'conflicting_duplicate'
                 WHEN outcome AND n_out > 1 THEN 'conflicting_outcomes'
                 ELSE 'before_application' END AS kind,
            CASE WHEN outcome AND n_out > 1 AND NOT conflict THEN {quote_literal(ev_col)}
                 ELSE {quote_literal(ts_col)} END AS col
        FROM (SELECT *, CASE event WHEN 'offer' THEN 'rejection' ELSE 'offer' END AS other
              FROM e))
    SELECT line, reason, kind, col FROM f WHERE reason IS NOT NULL
    """,
    )
    table = fresh_name("checked")
    run(
        db,
        f"""
    CREATE TEMP VIEW {table} AS
    SELECT m.line, m.app, m.event, m.ts, m.candidate_id, m.company_id, m.stage, m.channel,
        coalesce(m.reason, x.reason) AS reason, coalesce(m.kind, x.kind) AS kind,
        CASE WHEN m.reason IS NOT NULL THEN m.col ELSE x.col END AS col
    FROM {first} AS m LEFT JOIN {later} AS x ON m.line = x.line
    """,
    )
    # Only columns whose lookup cleaned something need counting over the rows.
    changed = {
        c: v
        for c, v in changed.items()
        if (
            v != "false"
            if c not in id_lks
            else db.execute(
                f"SELECT coalesce(bool_or(changed), false) FROM {id_lks[c]}"
            ).fetchall()[0][0]
        )
    }
    count, at = _ids_cleaned(db, t, raw, source_of, changed, joins)
    attrs = _attribute_columns(raw, m, source_of)
    flagged = db.execute(f"SELECT count(*) FROM {later}").fetchall()[0][0]
    if flagged:  # the loaded rows are fewer than the usable ones: grouped again later
        run(db, f"DROP TABLE {per_app}")
    return Checked(table, ts_col, count, at, attrs, lookups, later, per_app if not flagged else "")


#: A bit per once-only event (applied 1, offer 2, rejection 4: an offer and a
#: rejection is bits 6), 0 for the others.
_ONCE_ORDER = [
    "applied",
    "offer",
    "rejection",
    *sorted(ONCE_ONLY - {"applied", "offer", "rejection"}),
]
_ONCE_BITS = (
    "CASE event "
    + " ".join(f"WHEN {quote_literal(e)} THEN {1 << i}" for i, e in enumerate(_ONCE_ORDER))
    + " ELSE 0 END"
)


def finish(db: Any, checked: Checked, orphans: int) -> None:
    """Write the application's line in "before its application" reasons as read_events does.

    (``validate`` once wrote "line 10.0" when an application had no 'applied'
    event; both paths now write "line 10" whatever ``orphans`` is.)
    """
    run(
        db,
        f"UPDATE {checked.later} SET reason = replace(reason, chr(1), '') "
        "WHERE kind = 'before_application'",
    )


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
