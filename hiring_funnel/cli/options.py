"""What the subcommands that read a log share: its options, declared once, and reading it.

``validate``, ``summary``, ``report`` and ``predict`` take the same log options
(PATH, ``--mapping``, ``--attributes``, ``--encoding``, ``--as-of``,
``--observed-from`` and the engine's), and the ones that publish take the same privacy and horizon options
(``--min-group``, ``--horizon``, ``--max-levels``), each with the help that says
what it does in that command. A log of the simulator's layout is read with the
files beside it (:func:`hiring_funnel.io.beside.files_beside`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hiring_funnel.report.privacy import DEFAULT_MAX_LEVELS, DEFAULT_MIN_GROUP, HORIZON_HELP
from hiring_funnel.schema import EventLog, HiringFunnelError


def add_log_arguments(cmd: argparse.ArgumentParser, *, engine: bool = True) -> None:
    """PATH, --mapping, --attributes, --encoding, --as-of and (``engine``) the engine's."""
    cmd.add_argument("path", metavar="PATH", help="the log: .csv, .tsv, .jsonl, .parquet or .xlsx")
    cmd.add_argument("--mapping", metavar="F", help="a TOML mapping, or a bundled one: timhanneman")
    cmd.add_argument("--attributes", metavar="F", help="per-application attributes file")
    cmd.add_argument(
        "--encoding", metavar="NAME", help="text encoding when not UTF-8 (e.g. cp1252)"
    )
    cmd.add_argument(
        "--as-of", metavar="DATE", help="export date (ISO 8601); default: from the log"
    )
    cmd.add_argument(
        "--observed-from",
        metavar="DATE",
        help="when the log begins, if it misses the early events of applications sent "
        "before (late entry; ISO 8601); default: the mapping's observed_from, else none",
    )
    if engine:
        add_engine_arguments(cmd)


def add_engine_arguments(cmd: argparse.ArgumentParser) -> None:
    """--engine, --table, --memory-limit, --spark-master: where the log is read and counted."""
    g = cmd.add_argument_group("engine (large logs; see the README's 'Large logs')")
    g.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        help="read, check and count the log as queries on an engine: duckdb (in-process) "
        "or spark; default: in memory with pandas",
    )
    g.add_argument(
        "--table", metavar="NAME", help="a table in the DuckDB database file PATH (implies duckdb)"
    )
    g.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB's memory limit, e.g. 4GB (past it DuckDB spills to a temporary folder)",
    )
    g.add_argument(
        "--spark-master",
        metavar="URL",
        help="the Spark master (implies --engine spark): local[*] (default), spark://host:7077, yarn",
    )


def add_publishing_arguments(
    cmd: argparse.ArgumentParser, *, min_group_help: str, max_levels_help: str
) -> None:
    """--min-group K, --horizon DAYS and --max-levels N, with what they do in ``cmd``.

    ``min_group_help`` and ``max_levels_help`` end with the default, written
    ``%(default)s`` (argparse fills it in).
    """
    cmd.add_argument(
        "--min-group", type=int, default=DEFAULT_MIN_GROUP, metavar="K", help=min_group_help
    )
    cmd.add_argument("--horizon", type=float, metavar="DAYS", help=HORIZON_HELP)
    cmd.add_argument(
        "--max-levels", type=int, default=DEFAULT_MAX_LEVELS, metavar="N", help=max_levels_help
    )


def engine_option(args: argparse.Namespace) -> Any:
    """The engine the options ask for: None (pandas), or an Ibis connection."""
    name = getattr(args, "engine", None)
    master = getattr(args, "spark_master", None)
    memory = getattr(args, "memory_limit", None)
    if master is not None:
        if name == "duckdb":
            raise HiringFunnelError("--spark-master needs --engine spark, not duckdb")
        name = "spark"
    if name is None and (getattr(args, "table", None) is not None or memory is not None):
        name = "duckdb"
    if name is None:
        return None
    from hiring_funnel.engine import connect

    if name == "spark":
        if memory is not None:
            raise HiringFunnelError(
                "--memory-limit is DuckDB's; Spark's memory is set on the cluster "
                "(spark.executor.memory)"
            )
        return connect("spark", master=master)
    return connect("duckdb", memory_limit=memory)


def read_log(args: argparse.Namespace) -> EventLog | Any:
    """The log the options name (an engine's log with ``--engine``), saying which files
    were found beside it."""
    from hiring_funnel.io.beside import files_beside
    from hiring_funnel.io.load import read_events

    path = Path(args.path)
    beside = files_beside(path, mapping=args.mapping, attributes=args.attributes)
    for found in beside.found:
        what = "mapping" if found == beside.mapping else "attributes"
        print(f"({what}: {found.name}, found beside the log)")
    return read_events(
        path,
        mapping=beside.mapping,
        attributes=beside.attributes,
        encoding=args.encoding,
        as_of=args.as_of,
        engine=engine_option(args),
        table=getattr(args, "table", None),
        observed_from=args.observed_from,
    )


def read_pandas(args: argparse.Namespace) -> EventLog:
    """The log as pandas frames, for the commands that need them (predict)."""
    log = read_log(args)
    return log if isinstance(log, EventLog) else log.to_event_log()


def add_renamed_option(
    cmd: argparse.ArgumentParser, old: str, new: str, dest: str, **kwargs: Any
) -> None:
    """Accept ``old``, the option's name in the previous release, as ``new`` (hidden from --help).

    Using it prints one line on stderr saying what to write instead; it stops
    working in the next release.
    """
    extend = kwargs.pop("action", "store") == "extend"

    class Renamed(argparse.Action):
        def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
            import sys

            print(
                f"hiring-funnel: {old} is now called {new}; {old} stops working in the next "
                "release",
                file=sys.stderr,
            )
            if extend:  # as action="extend": the values add to any given before
                values = [*(getattr(namespace, self.dest, None) or []), *values]
            setattr(namespace, self.dest, values)

    cmd.add_argument(old, dest=dest, action=Renamed, help=argparse.SUPPRESS, **kwargs)
