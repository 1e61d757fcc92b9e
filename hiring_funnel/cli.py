"""The ``hiring-funnel`` command line.

Errors a user can cause print one line naming the file, line and column, with
no traceback, and exit non-zero. Tracebacks are kept for bugs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hiring_funnel import __version__
from hiring_funnel.anonymize import DEFAULT_MAX_LEVELS, DEFAULT_MIN_GROUP, HORIZON_HELP
from hiring_funnel.published import file_name
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.text import clean_label

SAMPLE_SEED = 20261126
SAMPLE_APPLICATIONS = 5000


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hiring-funnel",
        description="How long until an employer answers, and is silence bad news?",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def log_args(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "path", metavar="PATH", help="the log: .csv, .tsv, .jsonl, .parquet or .xlsx"
        )
        cmd.add_argument(
            "--mapping", metavar="F", help="a TOML mapping, or a bundled one: timhanneman"
        )
        cmd.add_argument("--attributes", metavar="F", help="per-application attributes file")
        cmd.add_argument(
            "--encoding", metavar="NAME", help="text encoding when not UTF-8 (e.g. cp1252)"
        )
        cmd.add_argument(
            "--as-of", metavar="DATE", help="export date (ISO 8601); default: from the log"
        )
        add_engine_arguments(cmd)

    v = sub.add_parser("validate", help="check a log and list every problem")
    log_args(v)
    v.add_argument("--quarantine", metavar="OUT", help="write quarantined rows to this CSV file")
    v.add_argument(
        "--force", action="store_true", help="replace the --quarantine file if it exists"
    )

    s = sub.add_parser(
        "simulate",
        help="write a simulated log (events, attributes, truth.json, mapping.toml) as CSV or Parquet",
    )
    s.add_argument("--applications", type=int, default=SAMPLE_APPLICATIONS, metavar="N")
    s.add_argument("--seed", type=int, default=SAMPLE_SEED, metavar="S")
    s.add_argument("--out", required=True, metavar="DIR")
    s.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="events and attributes as CSV (default) or Parquet",
    )
    s.add_argument("--force", action="store_true", help="replace the files if they exist")

    from hiring_funnel.report.command import add_report_arguments

    r = sub.add_parser(
        "report", help="write the HTML and PDF report (reports/hiring_funnel_report.html, .pdf)"
    )
    log_args(r)
    add_report_arguments(
        r
    )  # --by COLUMN..., --clock NAME..., --out DIR, --format LIST, --min-group K

    from hiring_funnel.predict_command import add_predict_arguments

    pr = sub.add_parser(
        "predict",
        help="for applications still waiting: chance of an offer, of an answer soon, and when",
    )
    log_args(pr)
    add_predict_arguments(pr)  # --pending FILE, --by COLUMN..., --within, --boot, --seed, --out

    mp = sub.add_parser("mapping", help="help with mappings: suggest one for a new file")
    mp_sub = mp.add_subparsers(dest="mapping_command", required=True, metavar="ACTION")
    ms = mp_sub.add_parser(
        "suggest", help="print a starting mapping from a file's headers and the dates in it"
    )
    ms.add_argument("path", metavar="FILE", help="the log or tracker: .csv, .tsv, .jsonl, .xlsx")
    ms.add_argument("--encoding", metavar="NAME", help="text encoding when not UTF-8")

    m = sub.add_parser("summary", help="naive and censoring-aware waiting times, per clock")
    log_args(m)
    m.add_argument("--by", metavar="COLUMN", help="break the figures down by an attribute")
    m.add_argument(
        "--clock",
        action="append",
        metavar="NAME",
        help="first_response, interview_feedback or decision (default: all three)",
    )
    m.add_argument(
        "--min-group",
        type=int,
        default=DEFAULT_MIN_GROUP,
        metavar="K",
        help=f"hide groups and counts of fewer than K candidates (default: {DEFAULT_MIN_GROUP}; "
        "1 prints everything)",
    )
    m.add_argument("--horizon", type=float, metavar="DAYS", help=HORIZON_HELP)
    m.add_argument(
        "--max-levels",
        type=int,
        default=DEFAULT_MAX_LEVELS,
        metavar="N",
        help=f"refuse a --by column with more than N values (default: {DEFAULT_MAX_LEVELS})",
    )
    return p


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "simulate":
            return _simulate(args)
        if args.command == "mapping":
            from hiring_funnel.suggest import suggest_mapping

            print(suggest_mapping(args.path, encoding=args.encoding), end="")
            return 0
        if args.command == "summary":
            return _summary(args)
        if args.command == "predict":
            from hiring_funnel.predict_command import run_predict

            return run_predict(args, read_pandas(args))
        if args.command == "report":
            from hiring_funnel.report.command import run_report

            return run_report(args, argv)
    except HiringFunnelError as exc:
        print(f"hiring-funnel: error: {public_error(exc, args)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hiring-funnel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`hiring-funnel summary LOG | head`): not an error of
        # ours, and nothing more can be printed. Point stdout at /dev/null so that
        # Python's flush at exit does not raise a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a program killed by it
    raise AssertionError(args.command)


#: Options whose values are paths (folders are taken out of what commands print).
_PATH_OPTIONS = ("path", "mapping", "attributes", "out", "pending", "quarantine")
# A path as it appears in a message: absolute, from home, or relative to here.
_PATH_IN_TEXT = re.compile(r"(?<![\w.])(?:[A-Za-z]:[\\/]|~?/|\.{1,2}[\\/])[^\s'\"]*")


def public_error(exc: HiringFunnelError, args: argparse.Namespace) -> str:
    """The one-line error as the commands print it: files by their names, no control characters.

    The commands that publish (report, summary, predict) may be run where their
    output is shared; a folder often holds a user name (``/home/jane.doe``).
    ``validate`` keeps the path as given: it is for the person fixing the file.
    """
    if getattr(args, "command", None) == "validate":
        return clean_label(str(exc))
    text = str(
        HiringFunnelError(
            exc.message,
            source=None if exc.source is None else file_name(exc.source),
            line=exc.line,
            column=exc.column,
            hint=exc.hint,
        )
    )
    for option in _PATH_OPTIONS:
        value = getattr(args, option, None)
        if isinstance(value, str) and re.search(r"[/\\]", value):
            for form in {value, str(Path(value).expanduser().resolve())}:
                text = text.replace(form, file_name(form))
    return clean_label(_PATH_IN_TEXT.sub(lambda m: file_name(m.group(0)), text))


def _read(args: argparse.Namespace) -> EventLog | Any:
    from hiring_funnel.load import read_events

    attributes, mapping = args.attributes, args.mapping
    path = Path(args.path)
    # The simulator's layout (data/sample): events.csv with attributes.csv and
    # mapping.toml (which holds the export date) beside it.
    from hiring_funnel.outputs import beside_log

    near = {k: p for k, p in beside_log(path).items() if p.exists()}
    if attributes is None and "attributes" in near:
        attributes = near["attributes"]
        print(f"(attributes: {attributes.name}, found beside the log)")
    if mapping is None and "mapping" in near:
        mapping = near["mapping"]
        print(f"(mapping: {mapping.name}, found beside the log)")
    return read_events(
        path,
        mapping=mapping,
        attributes=attributes,
        encoding=args.encoding,
        as_of=args.as_of,
        engine=engine_option(args),
        table=getattr(args, "table", None),
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


def read_pandas(args: argparse.Namespace) -> EventLog:
    """The log as pandas frames, for the commands that need them (report, predict)."""
    log = _read(args)
    return log if isinstance(log, EventLog) else log.to_event_log()


def _validate(args: argparse.Namespace) -> int:
    from hiring_funnel.outputs import check_output, run_inputs, write_guarded_csv

    inputs = run_inputs(args.path, mapping=args.mapping, attributes=args.attributes)
    if args.quarantine:  # before reading: a refused output should not wait for a big log
        check_output(args.quarantine, inputs=inputs, force=args.force)
    log = _read(args)
    print(_counts_line(log))
    n_apps, per_event = _event_counts(log)
    listed = ", ".join(f"{k} {v:,}" for k, v in per_event.items() if v) or "none"
    print(f"applications: {n_apps:,}; events: {listed}")
    if log.problems:
        print(f"problems ({len(log.problems)}):")
        for problem in log.problems:
            print(f"  {problem.format(log.source)}")
    else:
        print("problems: none")
    if log.rows_quarantined:
        from hiring_funnel.schema import QUARANTINE_KINDS

        # The kinds, with their fixed descriptions: what a report may publish.
        counts = _kind_counts(log)
        listed = "; ".join(
            f"{k} {n:,} ({QUARANTINE_KINDS.get(str(k), 'another problem')})"
            for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        )
        print(f"quarantined by kind: {listed}")
    if args.quarantine:
        if isinstance(log, EventLog):
            write_guarded_csv(log.quarantine, args.quarantine, inputs=inputs, force=args.force)
        else:  # checked above; the engine writes the rows (COPY), atomically
            log.write_quarantine(args.quarantine)
        print(f"quarantined rows written to {args.quarantine} ({log.rows_quarantined} rows)")
    usable = log.rows_loaded > 0 and n_apps > 0
    if not usable:
        print(f"{log.source}: no usable rows; nothing can be analysed", file=sys.stderr)
    return 0 if usable else 1


def _event_counts(log: EventLog | Any) -> tuple[int, dict[str, int]]:
    """Distinct applications and events per kind (in the schema's order), on either path."""
    from hiring_funnel.schema import EVENTS

    if isinstance(log, EventLog):
        per = log.events["event"].value_counts()
        return int(log.events["application_id"].nunique()), {e: int(per.get(e, 0)) for e in EVENTS}
    ev = log.events
    n_apps = int(ev.application_id.nunique().execute())
    per_kind = ev.group_by("event").aggregate(n=ev.count()).to_pandas()
    found = dict(zip(per_kind["event"].astype(str), per_kind["n"], strict=True))
    return n_apps, {e: int(found.get(e, 0)) for e in EVENTS}


def _kind_counts(log: EventLog | Any) -> dict[str, int]:
    """Quarantined rows per kind, on either path."""
    if isinstance(log, EventLog):
        return {str(k): int(n) for k, n in log.quarantine["kind"].value_counts().items()}
    q = log.quarantine
    per = q.group_by("kind").aggregate(n=q.count()).to_pandas()
    return {str(k): int(n) for k, n in zip(per["kind"], per["n"], strict=True)}


def _counts_line(log: EventLog | Any) -> str:
    dup = f", {log.exact_duplicates:,} of them exact duplicates" if log.exact_duplicates else ""
    skipped = getattr(log, "rows_skipped", 0)
    text = (
        f"{log.source}: {log.rows_read:,} rows read = {log.rows_loaded:,} loaded + "
        + (f"{skipped:,} skipped + " if skipped else "")
        + f"{log.rows_quarantined:,} quarantined{dup}"
    )
    attrs = log.meta.get("attributes")
    if attrs:
        unmatched = attrs.get("rows_unmatched", 0)
        text += (
            f"\n{attrs['source']}: {attrs['rows_read']:,} rows read = {attrs['rows_loaded']:,} "
            f"loaded + {attrs['rows_quarantined']:,} quarantined"
            + (f" ({unmatched:,} loaded rows name no application in the log)" if unmatched else "")
        )
    return text


def _simulate(args: argparse.Namespace) -> int:
    from hiring_funnel.simulate_files import simulate_to_files

    if args.applications < 1:
        raise HiringFunnelError("--applications must be at least 1")
    if args.seed < 0:
        raise HiringFunnelError("--seed must be a non-negative integer")
    # In blocks, in bounded memory; existing files are refused before anything
    # is simulated. A progress count on stderr when it is a terminal.
    paths = simulate_to_files(
        args.applications, Path(args.out), seed=args.seed, format=args.format, force=args.force
    )
    for path in paths:
        print(f"wrote {path}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from hiring_funnel.anonymize import check_min_group
    from hiring_funnel.summary import (
        CLOCKS,
        counts_line,
        format_summary,
        headline,
        summarise,
        what_next,
    )

    k = check_min_group(args.min_group)
    log = _read(args)
    clocks = args.clock or list(CLOCKS)
    bad = [c for c in clocks if c not in CLOCKS]
    if bad:
        raise HiringFunnelError(
            f"unknown clock {clean_label(bad[0])!r}", hint=f"use {', '.join(CLOCKS)}"
        )
    print(counts_line(log, min_group=k))
    if log.events.empty if isinstance(log, EventLog) else log.rows_loaded == 0:
        raise HiringFunnelError(
            "no usable rows: nothing to summarise (run validate)", source=log.source
        )
    # Each clock's episodes once, for the table and the headline (engine: only what they read).
    made: dict[str, Any] = {}
    table = summarise(
        log, clocks=clocks, by=args.by, min_group=k, max_levels=args.max_levels, made=made
    )
    print(format_summary(table, as_of=table.attrs.get("as_of")))
    if "decision" in clocks:
        print("\nIs silence bad news? (decision clock: from applying to an offer or a rejection)")
        decision = made.get("decision")
        for sentence in headline(log, min_group=k, decision=decision, horizon=args.horizon):
            print(f"  {sentence}")
    nexts = what_next(log, made, min_group=k, horizon=args.horizon)
    if nexts:
        print("\nWhen answers come, and how far the applications got")
        for sentence in nexts:
            print(f"  {sentence}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
