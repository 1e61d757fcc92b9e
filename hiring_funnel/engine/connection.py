"""Engine connections: DuckDB in-process by default, Spark for a cluster."""

from __future__ import annotations

import sys
from typing import Any

from hiring_funnel.schema import HiringFunnelError

ENGINES = ("duckdb", "spark")


def connect(
    engine: str = "duckdb",
    *,
    database: str = ":memory:",
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | None = None,
    master: str | None = None,
    config: dict[str, str] | None = None,
    progress: bool | None = None,
) -> Any:
    """Open an Ibis connection to the engine that runs the data path.

    Parameters
    ----------
    engine : {"duckdb", "spark"}
        ``duckdb`` (default): in-process, nothing to start or configure.
        ``spark``: a local or cluster Spark session (``master``).
    database : str
        DuckDB only: a database file, or ``":memory:"``.
    memory_limit, threads, temp_directory : optional
        DuckDB only: its ``memory_limit`` (e.g. ``"4GB"``; past it DuckDB
        spills to ``temp_directory``) and worker threads.
    master, config : optional
        Spark only: the master URL (default ``local[*]``) and extra Spark settings.
    progress : bool, optional
        DuckDB's progress bar on queries longer than two seconds. DuckDB prints it
        on standard output, and by default even into a pipe or a CI log; here the
        default is on only when standard output is a terminal.

    Returns
    -------
    ibis.BaseBackend
    """
    if engine == "duckdb":
        import duckdb
        import ibis

        con = ibis.duckdb.connect(database)
        settings = {
            "memory_limit": memory_limit,
            "threads": threads,
            "temp_directory": temp_directory,
            "enable_progress_bar": _on_terminal() if progress is None else progress,
        }
        for key, value in settings.items():
            if value is None:
                continue
            try:
                con.raw_sql(f"SET {key} = '{value}'")
            except duckdb.Error as error:  # a size DuckDB cannot read, a folder it cannot use
                first = str(error).strip().splitlines()[0]
                raise HiringFunnelError(
                    f"DuckDB refused {key} = {str(value)!r}: {first}",
                    hint="sizes are written like 4GB or 512MB",
                ) from None
        return con
    if engine == "spark":
        from hiring_funnel.engine.spark import connect_spark

        return connect_spark(master=master, config=config)
    raise HiringFunnelError(
        f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}",
    )


def _on_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False
