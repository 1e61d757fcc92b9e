"""Where a typed table comes from, and how DuckDB and the fallback each read it.

A Parquet file (read by pyarrow in the fallback), a folder or glob of Parquet
files and a table of a DuckDB file (DuckDB's ``.df()``), an Ibis table of the
engine's connection (Ibis' ``to_pandas``): :func:`typed_source` gives the query
DuckDB runs and what :mod:`hiring_funnel.engine.ingest_typed` needs to render
the cells as the fallback's reader would hold them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hiring_funnel.engine.ingest_raw import first_error, fresh_name
from hiring_funnel.engine.ingest_scan import NotPlain
from hiring_funnel.engine.ingest_sql import quote_ident, quote_literal, run

_PARQUET = (".parquet", ".pq")


@dataclass(frozen=True)
class Source:
    """A typed table as DuckDB reads it, and as the fallback would name and read it."""

    sql: str  # a query DuckDB runs
    name: str  # EngineLog.source and the quarantine's "file"
    error_name: str  # the source read_events names in its errors ("<DataFrame>" for a frame)
    kind: str  # meta["kind"]
    flavor: str  # the fallback's reader: "arrow", "duckdb" or "ibis"
    arrow_tz: dict[str, str | None] = field(default_factory=dict)  # flavor "arrow": tz per column
    arrow_names: tuple[str, ...] | None = None  # flavor "arrow": the columns pyarrow reads
    detach: str | None = None  # an attached database to detach when done


def is_typed(source: Any, table: str | None) -> bool:
    """Whether ``source`` is a typed table this module reads (else the CSV path or the fallback)."""
    if table is not None:
        return True
    if isinstance(source, str | Path):
        text = str(source)
        if Path(text).is_dir():
            return any(Path(text).rglob("*.parquet"))
        return text.lower().endswith(_PARQUET)
    return type(source).__module__.startswith("ibis.") and hasattr(source, "to_pandas")


def typed_source(con: Any, source: Any, table: str | None) -> Source:
    """The :class:`Source` of a typed table; :class:`NotPlain` when ``read_events`` must read it."""
    db = con.con
    if table is not None:
        path = Path(str(source))
        if not path.is_file():
            raise NotPlain("not a regular file")
        alias = fresh_name("src")
        try:
            run(db, f"ATTACH {quote_literal(str(source))} AS {alias} (READ_ONLY)")
        except Exception as exc:
            raise NotPlain(f"cannot attach it: {first_error(exc)}") from exc
        name = ".".join(quote_ident(part) for part in table.split("."))
        return Source(
            f"SELECT * FROM {alias}.{name}",
            f"{source}:{table}",
            "<DataFrame>",
            "frame",
            "duckdb",
            detach=alias,
        )
    if isinstance(source, str | Path):
        text = str(source)
        path = Path(text)
        if path.is_dir() or any(c in text for c in "*?["):
            pattern = str(path / "**" / "*.parquet") if path.is_dir() else text
            sql = (
                f"SELECT * FROM read_parquet({quote_literal(pattern)}, hive_partitioning = true, "
                "union_by_name = true)"
            )
            return Source(sql, text, "<DataFrame>", "frame", "duckdb")
        if not path.is_file():
            raise NotPlain("not a regular file")
        return Source(
            f"SELECT * FROM read_parquet({quote_literal(text)})",
            text,
            text,
            "parquet",
            "arrow",
            arrow_tz=_arrow_schema(path),
            arrow_names=tuple(str(n) for n in _arrow_names(path)),
        )
    try:
        backend = source.get_backend()
    except Exception as exc:  # an unbound table, another library's table
        raise NotPlain(f"not an Ibis table of a connection: {first_error(exc)}") from exc
    if getattr(backend, "name", None) != "duckdb" or getattr(backend, "con", None) is not db:
        raise NotPlain("an Ibis table of another connection is read by read_events")
    return Source(str(backend.compile(source)), "<DataFrame>", "<DataFrame>", "frame", "ibis")


def _arrow_schema(path: Path) -> dict[str, str | None]:
    """The time zone of each timestamp column as pyarrow reads the file (None: naive)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise NotPlain(f"pyarrow could not read the schema: {first_error(exc)}") from exc
    meta = schema.pandas_metadata or {}
    if any(not isinstance(c, dict) for c in meta.get("index_columns", [])):
        # A stored index is a column to DuckDB and an index (then dropped) to pandas.
        raise NotPlain("the file stores a pandas index as a column")
    for f in schema:
        # Extension types (a pandas Period or Interval) are stored as numbers or structs
        # that pandas turns back into objects; DuckDB's types say what else falls back.
        t = f.type
        if isinstance(t, pa.ExtensionType) or (
            isinstance(t, pa.DictionaryType) and not _arrow_text(t.value_type)
        ):
            raise NotPlain(
                f"column {str(f.name)!r} is {t} to pyarrow, which pandas reads as objects"
            )
    return {str(f.name): f.type.tz for f in schema if pa.types.is_timestamp(f.type) and f.type.tz}


def _arrow_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _arrow_text(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))
