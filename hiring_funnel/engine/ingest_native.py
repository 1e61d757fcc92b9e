"""The native path of :func:`hiring_funnel.engine.ingest.read_events_engine`: a CSV file in DuckDB.

Order of the fatal checks is that of ``read_events`` (the file, its header,
the mapping's columns, ambiguous dates, the as-of date), so that a file with
two problems gets the same one-line error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hiring_funnel.engine.ingest_attrs import Attrs, check_attribute_file, first_values
from hiring_funnel.engine.ingest_check import Checked, check_long, fast_columns, finish, utc_iso
from hiring_funnel.engine.ingest_lookup import id_lookup
from hiring_funnel.engine.ingest_out import quarantine_rows, temp_view, union_quarantines
from hiring_funnel.engine.ingest_raw import RawCSV, keep_only, read_csv_raw
from hiring_funnel.engine.ingest_scan import NotPlain
from hiring_funnel.engine.ingest_sql import looks_like_formula, quote_ident, run
from hiring_funnel.io.limits import Limits
from hiring_funnel.io.load import as_of_argument
from hiring_funnel.io.mapped import mapping_as_of
from hiring_funnel.io.mapping import Mapping
from hiring_funnel.io.problems import (
    column_names,
    hint_for,
    ids_cleaned_problem,
    unmatched_attributes_problem,
)
from hiring_funnel.schema import HiringFunnelError, Problem

_ID_COLUMNS = ("application_id", "candidate_id", "company_id")
_FORMULA_HINT = "they are never evaluated, and are guarded in CSV output"


def _raw(
    db: Any, source: Any, delimiter: str | None, lim: Limits, m: Mapping | None = None
) -> RawCSV:
    path = Path(source)
    if not path.is_file():
        raise NotPlain("not a regular file")
    raw = read_csv_raw(db, path, str(source), delimiter, lim, None if m is None else _extra(m))
    if raw.rows_read == 0:
        raise NotPlain("the file has no data rows")
    return raw


def native_read(
    con: Any,
    source: Any,
    m: Mapping,
    attributes: Any,
    as_of: Any,
    encoding: str | None,
    lim: Limits,
    make: Any,
) -> Any:
    """Read ``source`` natively; :class:`NotPlain` when ``read_events`` must."""
    raw = _raw(con.con, source, m.delimiter, lim, m)
    return read_cells(con, raw, m, attributes, as_of, lim, make)


def read_cells(
    con: Any,
    raw: RawCSV,
    m: Mapping,
    attributes: Any,
    as_of: Any,
    lim: Limits,
    make: Any,
    kind: str = "csv",
) -> Any:
    """Map and validate the cells of ``raw`` (a CSV file's, or a typed table's rendered as text).

    ``kind`` is ``meta["kind"]``, as ``read_events`` names the input it read.
    """
    db = con.con
    now = pd.Timestamp.now(tz="UTC")

    def cutoff() -> pd.Timestamp | None:
        value = mapping_as_of(None, m) if m.as_of is not None else None  # type: ignore[arg-type]
        return as_of_argument(as_of) if as_of is not None else value

    # Past the read (whose rowids are the records' positions), no table needs
    # DuckDB to keep the insertion order, which costs memory and time.
    order = db.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    run(db, "SET preserve_insertion_order = false")
    try:
        checked = check_long(db, raw, m, cutoff, now)
    finally:
        run(db, f"SET preserve_insertion_order = {'true' if order else 'false'}")
    t = checked.table
    loaded, quarantined, exact = db.execute(
        f"SELECT count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL), "
        f"count(*) FILTER (WHERE kind = 'exact_duplicate') FROM {t}"
    ).fetchall()[0]
    quarantined += raw.ragged
    if loaded + quarantined != raw.rows_read:
        raise AssertionError(  # a bug, not a user error: rows must add up
            f"rows do not add up: {raw.rows_read} read, {loaded} loaded, {quarantined} quarantined"
        )
    events = temp_view(
        db,
        f"SELECT app AS application_id, event, timezone('UTC', ts) AS timestamp, candidate_id, "
        f"company_id, stage, channel, line FROM {t} WHERE reason IS NULL",
        "events",
    )
    warnings = _formulas(db, raw)
    if checked.ids_cleaned and checked.ids_cleaned_at is not None:
        warnings.append(ids_cleaned_problem(checked.ids_cleaned, *checked.ids_cleaned_at))
    used = sorted(set(checked.attribute_columns.values()))
    rows = f"SELECT app, line, event FROM {t} WHERE reason IS NULL"
    if used:
        rows = (
            f"SELECT q.app, q.line, q.event{''.join(f', r.{c}' for c in used)} "
            f"FROM {t} AS q JOIN {raw.table} AS r ON q.line = r.line WHERE q.reason IS NULL"
        )
    varying: list[Problem] = []
    plain = frozenset(c for c in used if raw.plain and raw.plain[int(c[1:])])
    tokenless = frozenset(c for c in plain if raw.tokenless[int(c[1:])])
    attrs = first_values(
        db,
        rows,
        checked.attribute_columns,
        varying,
        events=True,
        plain=plain,
        tokenless=tokenless,
        per_app=checked.per_app,
    )
    # validate's order: formulas, orphans, cleaned ids, then varying attributes.
    warnings[1:1] = _orphans(*attrs.orphans)
    finish(db, checked, attrs.orphans[0])
    warnings += varying
    parts = [quarantine_rows(db, raw, t)]
    keep_only(db, raw, f"SELECT line FROM {t} WHERE reason IS NOT NULL")
    meta: dict[str, Any] = {
        "blank_lines": raw.blank_lines,
        "kind": kind,
        "ids_cleaned": checked.ids_cleaned,
    }
    extra: list[Problem] = []
    numeric = dict(attrs.numeric)
    if attributes is not None:
        attrs, more, part, numeric = _with_attribute_file(db, attrs, attributes, lim, meta)
        extra += more
        parts.append(part)
    quarantine_sql = union_quarantines(parts)

    def problems() -> list[Problem]:
        rows = db.execute(
            f"SELECT line, col, reason, kind FROM {t} WHERE reason IS NOT NULL UNION ALL "
            f"SELECT line, NULL, 'row has ' || nf || ' fields but the header has "
            f"{len(raw.header)}', 'ragged_row' FROM {raw.table} WHERE ragged"
        ).fetchall()
        out = [Problem(int(k), c, r, hint_for(r), kind=kind) for k, c, r, kind in rows]
        out += warnings
        return sorted(out, key=lambda p: (p.line or 0, p.reason)) + extra

    cut = cutoff()
    meta.update(engine="duckdb", native=True)
    return make(
        con=con,
        events=con.table(events),
        attributes=con.table(attrs.table),
        quarantine=con.table(temp_view(db, quarantine_sql[0], "quarantine")),
        rows_read=raw.rows_read,
        rows_loaded=int(loaded),
        rows_quarantined=int(quarantined),
        exact_duplicates=int(exact),
        source=raw.source,
        as_of=cut,
        meta=meta,
        _problems=problems,
        _quarantine_sql=quarantine_sql,
        _numeric=numeric,
    )


def _extra(m: Mapping) -> Any:
    """What the pass over the events file computes besides the cells: a bit per column
    whose cell looks like a formula (up to 62 columns; none where every cell is
    plain), and the dates SQL reads."""

    def items(header: list[str], plain: tuple[bool, ...]) -> tuple[str, list[str], list[str]]:
        out: list[str] = []
        dropped: list[str] = []
        kept: list[str] = []
        odd = [j for j in range(len(header)) if not plain[j]]
        if odd and len(header) <= _BITS:
            bits = " | ".join(
                f"(CASE WHEN {looks_like_formula(f'c{j}')} THEN {1 << j} ELSE 0 END)" for j in odd
            )
            out.append(f"CAST({bits} AS BIGINT) AS fm")
            kept.append("fm")
        spec = m.columns.get("timestamp", "timestamp")
        if isinstance(spec, str) and spec in header and utc_iso(m):
            j = header.index(spec)
            out.append(fast_columns(f"c{j}", stripped=plain[j]))
            dropped = ["ts_a", "ts_p"]
            kept.append("ts_fast")
        return ", ".join(out), dropped, kept

    return items


_BITS = 62


def _formulas(db: Any, raw: RawCSV) -> list[Problem]:
    n = len(raw.header)
    if all(raw.plain[:n]):  # no plain cell looks like a formula
        return []
    if "fm" in raw.columns:
        aggs = ", ".join(
            f"count(*) FILTER (WHERE fm & {1 << j} <> 0), min(line) FILTER (WHERE fm & {1 << j} <> 0)"
            for j in range(n)
        )
        row = db.execute(f"SELECT {aggs} FROM {raw.table} WHERE NOT ragged AND fm <> 0").fetchall()[
            0
        ]
        return _formula_problems(raw, row)
    flags = ", ".join(f"{looks_like_formula(f'c{j}')} AS f{j}" for j in range(n))
    aggs = ", ".join(
        f"count(*) FILTER (WHERE f{j}), min(line) FILTER (WHERE f{j})" for j in range(n)
    )
    row = db.execute(
        f"SELECT {aggs} FROM (SELECT line, {flags} FROM {raw.table} WHERE NOT ragged)"
    ).fetchall()[0]
    return _formula_problems(raw, row)


def _formula_problems(raw: RawCSV, row: Any) -> list[Problem]:
    n = len(raw.header)
    counts = [int(row[2 * j]) for j in range(n)]
    firsts = [row[2 * j + 1] for j in range(n)]
    hit = [j for j in range(n) if counts[j]]
    if 0 < len(hit) <= 3:
        return [
            Problem(
                int(firsts[j]),
                raw.header[j],
                f"{counts[j]} cell(s) look like spreadsheet formulas; kept as plain text",
                _FORMULA_HINT,
                kind="formula",
            )
            for j in hit
        ]
    if hit:
        return [
            Problem(
                int(min(firsts[j] for j in hit)),
                None,
                f"{sum(counts):,} cells in {len(hit):,} columns "
                f"({column_names([raw.header[j] for j in hit])}) look like spreadsheet "
                "formulas; kept as plain text",
                _FORMULA_HINT,
                kind="formula",
            )
        ]
    return []


def _orphans(n: int, first: int | None) -> list[Problem]:
    if not n or first is None:
        return []
    return [
        Problem(
            int(first),
            None,
            f"{n} application(s) have events but no 'applied' event; "
            "they give no episode on clocks that start at the application",
            kind="no_applied",
        )
    ]


def _with_attribute_file(
    db: Any, log_attrs: Attrs, source: Any, lim: Limits, meta: dict[str, Any]
) -> tuple[Attrs, list[Problem], tuple[str, list[str]], dict[str, bool]]:
    raw = _raw(db, source, None, lim)
    if "application_id" not in raw.header:
        raise HiringFunnelError(
            "missing required column 'application_id'",
            source=raw.source,
            line=1,
            hint=f"the file has: {', '.join(raw.header[:20])}",
        )
    lookups = {c: id_lookup(db, raw.table, raw.col(c)) for c in _ID_COLUMNS if c in raw.header}
    af = check_attribute_file(db, raw, lookups)
    # Every loaded application has its row in the log's table: a left join keeps them all.
    left = [c for c in log_attrs.columns]
    right = af.attrs.columns
    items = ["l.application_id"]
    numeric: dict[str, bool] = {}
    for c in left:
        name = f"{c}_log" if c in right else c
        items.append(f"l.{quote_ident(c)} AS {quote_ident(name)}")
        numeric[name] = log_attrs.numeric[c]
    for c in right:
        items.append(f"r.{quote_ident(c)}")
        numeric[c] = af.attrs.numeric[c]
    merged = temp_view(
        db,
        f"SELECT {', '.join(items)} FROM {log_attrs.table} AS l LEFT JOIN {af.attrs.table} AS r "
        "ON l.application_id = r.application_id",
        "merged",
    )
    # The log's table has one row per loaded application.
    unknown = db.execute(
        f"SELECT count(*) FROM {af.attrs.table} AS r ANTI JOIN {log_attrs.table} AS l "
        "ON r.application_id = l.application_id"
    ).fetchall()[0][0]
    rows = db.execute(
        f"SELECT line, reason, kind FROM {af.checked} UNION ALL "
        f"SELECT line, 'row has ' || nf || ' fields but the header has {len(raw.header)}', "
        f"'ragged_row' FROM {raw.table} WHERE ragged ORDER BY line"
    ).fetchall()
    problems = [Problem(int(k), None, r, source=raw.source, kind=kind) for k, r, kind in rows]
    if af.ids_cleaned and af.ids_cleaned_at is not None:
        problems.append(ids_cleaned_problem(af.ids_cleaned, *af.ids_cleaned_at, source=raw.source))
    if unknown:
        problems.append(unmatched_attributes_problem(unknown, raw.source))
    kept = raw.rows_read - len(rows)  # the rows that are neither ragged nor quarantined
    meta["attributes"] = {
        "source": raw.source,
        "rows_read": raw.rows_read,
        "rows_loaded": int(kept),
        "rows_quarantined": len(rows),
        "rows_unmatched": int(unknown),
        "ids_cleaned": af.ids_cleaned,
    }
    # The quarantined rows (no column named), and of the cells only theirs are kept.
    run(db, f"ALTER TABLE {af.checked} ADD COLUMN col VARCHAR")
    part = quarantine_rows(db, raw, af.checked)
    keep_only(db, raw, f"SELECT line FROM {af.checked}")
    return Attrs(merged, left + right, numeric), problems, part, numeric


__all__ = ["Checked", "native_read", "read_cells"]
