"""Attributes in the engine: one row per loaded application, as ``validate`` and ``load`` build it.

From the events file: the first present value (not missing) of each attribute
column over the loaded rows, in line order; a column whose present values are
all numbers (``"55,000"`` too) is a number. From an attributes file: its rows
are checked (missing id, exact duplicate, conflicting duplicates), and the
kept ones are joined to the applications of the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hiring_funnel.engine.ingest_raw import RawCSV, fresh_name
from hiring_funnel.engine.ingest_scan import NotPlain
from hiring_funnel.engine.ingest_sql import (
    NUMBER,
    is_ascii,
    missing,
    py_repr,
    quote_ident,
    run,
    strip,
)
from hiring_funnel.io.problems import column_names
from hiring_funnel.observation import refuse_on_engine
from hiring_funnel.schema import Problem

_COLUMNS_NAMED = 3


@dataclass
class Attrs:
    """A table of attributes: ``application_id`` then typed columns (unordered)."""

    table: str
    columns: list[str]
    numeric: dict[str, bool] = field(default_factory=dict)
    orphans: tuple[int, int | None] = (0, None)


def first_values(
    db: Any,
    rows_sql: str,
    columns: dict[str, str],
    problems: list[Problem] | None,
    events: bool = False,
    unique: bool = False,
    plain: frozenset[str] = frozenset(),
    tokenless: frozenset[str] = frozenset(),
    per_app: str = "",
) -> Attrs:
    """Per application (``app`` of ``rows_sql``), the first present value of each column.

    ``rows_sql`` gives ``app``, ``line`` and the raw columns named in
    ``columns`` (output name -> SQL column). Columns where an application has
    more than one value are reported in ``problems`` as ``validate`` does.
    ``events``: ``rows_sql`` gives ``event`` too, and the applications with no
    'applied' event are counted (``Attrs.orphans``: how many, and the first line).
    ``unique``: each application has one row (the kept rows of an attributes
    file): its values are the first ones, and no grouping is needed.
    ``plain``: the SQL columns whose cells ``str.strip()`` leaves as they are;
    ``tokenless``: those of them where no cell is a missing token but ''.
    ``per_app``: with ``events`` and no column, a table of ``app``, ``hf_applied``
    and ``hf_first`` for the applications of ``rows_sql`` (no grouping needed).
    """
    names = list(columns)

    def absent(c: str) -> str:
        if c in tokenless:
            return f"coalesce({c} = '', true)"
        return missing(c, stripped=c in plain)

    firsts = fresh_name("firsts")
    kind = "TABLE"
    if per_app and events and not names:
        firsts = per_app
    elif unique and not events:
        items = [
            f"CASE WHEN {absent(c)} THEN NULL ELSE {c} END AS a{j}, false AS v{j}"
            for j, c in enumerate(columns.values())
        ]
        # A projection of the rows: a view, read by the checks below and stored
        # once, as the attributes table (with no column, it is that table).
        kind = "VIEW" if names else "TABLE"
        run(
            db,
            f"CREATE TEMP {kind} {firsts} AS SELECT app{''.join(', ' + a for a in items)} "
            f"FROM ({rows_sql})",
        )
    else:
        aggs = [
            "bool_or(event = 'applied') AS hf_applied, min(line) AS hf_first" if events else ""
        ] + [
            f"arg_min({c}, line) FILTER (WHERE NOT {absent(c)}) AS a{j}, "
            f"count(DISTINCT {c}) FILTER (WHERE NOT {absent(c)}) > 1 AS v{j}"
            for j, c in enumerate(columns.values())
        ]
        run(
            db,
            f"CREATE TEMP TABLE {firsts} AS SELECT app{''.join(', ' + a for a in aggs if a)} "
            f"FROM ({rows_sql}) GROUP BY app",
        )
    numeric: dict[str, bool] = {}
    orphans: tuple[int, int | None] = (0, None)
    if events:
        n, first = db.execute(
            f"SELECT count(*), min(hf_first) FROM {firsts} WHERE NOT hf_applied"
        ).fetchall()[0]
        orphans = (int(n), None if first is None else int(first))
    if not names:  # no attribute column: the table is the applications
        table = fresh_name("attrs")
        run(db, f"CREATE TEMP VIEW {table} AS SELECT app AS application_id FROM {firsts}")
        return Attrs(table, names, numeric, orphans)
    if names:
        checks = ", ".join(
            f"bool_or(a{j} IS NOT NULL), count(*) FILTER (WHERE v{j})" for j in range(len(names))
        )
        row = db.execute(f"SELECT {checks} FROM {firsts}").fetchall()[0]
        varies: list[tuple[str, int]] = []
        for j, name in enumerate(names):
            # A number column has values, none of them other than a number: the search for
            # one that is not stops at the first (at once in a text column).
            numeric[name] = (
                bool(row[2 * j])
                and not db.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {firsts} WHERE a{j} IS NOT NULL AND "
                    f"NOT regexp_full_match({strip(f'a{j}')}, '{NUMBER}') LIMIT 1)"
                ).fetchall()[0][0]
            )
            if row[2 * j + 1]:
                varies.append((name, int(row[2 * j + 1])))
        if problems is not None:
            problems.extend(_varying(varies))
    selects = []
    for j, name in enumerate(names):
        if numeric[name]:
            number = f"try_cast(replace({strip(f'a{j}')}, ',', '') AS DOUBLE)"
            bad = db.execute(
                f"SELECT count(*) FROM {firsts} WHERE a{j} IS NOT NULL AND {number} IS NULL"
            ).fetchall()[0][0]
            if bad:
                raise NotPlain(f"column {name!r} has numbers SQL does not read as Python does")
            selects.append(f"{number} AS {quote_ident(name)}")
        else:
            selects.append(f"a{j} AS {quote_ident(name)}")
    table = fresh_name("attrs")
    run(
        db,
        f"CREATE TEMP TABLE {table} AS SELECT app AS application_id"
        f"{''.join(', ' + s for s in selects)} FROM {firsts}",
    )
    run(db, f"DROP {kind} {firsts}")
    return Attrs(table, names, numeric, orphans)


def _varying(varies: list[tuple[str, int]]) -> list[Problem]:
    if 0 < len(varies) <= _COLUMNS_NAMED:
        return [
            Problem(
                None,
                col,
                f"{n} application(s) have more than one value of {col!r}; the first one is used",
                kind="varying_attribute",
            )
            for col, n in varies
        ]
    if varies:
        many = [c for c, _ in varies]
        return [
            Problem(
                None,
                None,
                f"{len(many):,} attribute columns ({column_names(many)}) have applications "
                "with more than one value; the first one is used",
                kind="varying_attribute",
            )
        ]
    return []


@dataclass
class AttributeFile:
    """What an attributes file adds: its table, its checked rows and what to say."""

    attrs: Attrs
    checked: str  # line, reason, kind of each quarantined row (the others are kept)
    raw: RawCSV
    ids_cleaned: int
    ids_cleaned_at: tuple[int, str] | None


def check_attribute_file(db: Any, raw: RawCSV, id_lookups: dict[str, str]) -> AttributeFile:
    """The rules of ``load._attribute_rows`` over an attributes file's cells.

    ``id_lookups`` maps each id column of the file to its ``clean_id`` lookup table.
    """
    refuse_on_engine(raw.header)
    t = raw.table
    joins = []
    cleaned: dict[str, str] = {}
    changed: dict[str, str] = {}
    app_repr_lk = "NULL"
    for col, lk in id_lookups.items():
        c = f"r.{raw.col(col)}"
        alias = f"lk_{raw.col(col)}"
        plain = bool(raw.plain) and raw.plain[raw.header.index(col)]
        if not db.execute(f"SELECT count(*) FROM {lk}").fetchall()[0][0]:
            # Every id is ASCII: only stripped, and none is cleaned.
            if col == "application_id":
                cleaned[col] = c if plain else strip(c)
            continue
        joins.append(f"LEFT JOIN {lk} AS {alias} ON {c} = {alias}.v")
        changed[col] = f"coalesce({alias}.changed, false)"
        if col == "application_id":
            text = c if plain else strip(c)
            cleaned[col] = f"(CASE WHEN {is_ascii(c)} THEN {text} ELSE {alias}.clean END)"
            app_repr_lk = f"{alias}.repr"
        else:
            cleaned[col] = f"(CASE WHEN {alias}.changed THEN {alias}.clean ELSE {c} END)"
    cells = [cleaned.get(h, f"r.c{i}") for i, h in enumerate(raw.header)]
    app_repr = f"coalesce({py_repr('app', 80)}, app_repr_lk)"
    xs = ", ".join(f"x{i}" for i in range(len(cells)))
    # The rows with their cleaned ids: read twice below (cheap), never stored whole.
    rows = (
        f"SELECT r.line, {', '.join(f'{c} AS x{i}' for i, c in enumerate(cells))}, "
        f"{cleaned['application_id']} AS app, {app_repr_lk} AS app_repr_lk "
        f"FROM (SELECT * FROM {t} WHERE NOT ragged) AS r {' '.join(joins)}"
    )
    # Only the quarantined rows are stored (a few in a real file): missing id,
    # exact duplicate, conflicting duplicates, in that order of precedence.
    table = fresh_name("attr_bad")
    run(
        db,
        f"""
    CREATE TEMP TABLE {table} AS
    WITH a1 AS NOT MATERIALIZED (
        SELECT *, hash({xs}) AS hx, {missing("app", stripped=True)} AS miss FROM ({rows})),
    -- Rows equal to another: only those whose hash is shared go through the window.
    multi AS (SELECT hx FROM a1 GROUP BY hx HAVING count(*) > 1),
    exact AS (
        SELECT line FROM (
            SELECT line, miss, min(line) OVER (PARTITION BY {xs}) AS dup_of
            FROM a1 WHERE hx IN (SELECT hx FROM multi))
        WHERE dup_of < line AND NOT miss),
    b AS NOT MATERIALIZED (
        SELECT line, app, app_repr_lk FROM a1
        WHERE NOT miss AND line NOT IN (SELECT line FROM exact)),
    -- Applications on more than one of the other rows.
    n AS (
        SELECT app AS n_key, count(*) AS n_app, min(line) AS first_app
        FROM b GROUP BY app HAVING count(*) > 1)
    SELECT line, 'missing application id' AS reason, 'missing_id' AS kind FROM a1 WHERE miss
    UNION ALL
    SELECT line, 'exact duplicate of an earlier row', 'exact_duplicate' FROM exact
    UNION ALL
    SELECT b.line, 'conflicting duplicates: application id ' || {app_repr}
        || ' is on ' || format('{{:,}}', n.n_app) || ' rows (first on line '
        || n.first_app || ')', 'conflicting_duplicate'
    FROM b JOIN n ON b.app = n.n_key
    """,
    )
    aggs = ", ".join(
        f"count(*) FILTER (WHERE {c}), min(r.line) FILTER (WHERE {c})" for c in changed.values()
    )
    count, first = 0, None
    if aggs:
        row = db.execute(
            f"SELECT {aggs} FROM (SELECT * FROM {t} WHERE NOT ragged) AS r {' '.join(joins)}"
        ).fetchall()[0]
        for j, col in enumerate(changed):
            n, line = row[2 * j], row[2 * j + 1]
            count += int(n)
            if n and (first is None or line < first[0]):
                first = (int(line), col)
    value_cols = {
        h: f"x{i}" for i, h in enumerate(raw.header) if h not in ("application_id", "line")
    }
    # The kept rows name each application once (conflicting duplicates are quarantined).
    plain_cells = frozenset(
        f"x{i}" for i, h in enumerate(raw.header) if raw.plain and raw.plain[i] and h not in cleaned
    )
    tokenless = frozenset(
        f"x{i}" for i in range(len(raw.header)) if raw.tokenless and raw.tokenless[i]
    )
    attrs = first_values(
        db,
        f"SELECT * FROM ({rows}) WHERE line NOT IN (SELECT line FROM {table})",
        value_cols,
        problems=None,
        unique=True,
        plain=plain_cells,
        tokenless=plain_cells & tokenless,
    )
    return AttributeFile(attrs, table, raw, count, first)
