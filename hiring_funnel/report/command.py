"""The ``report`` subcommand: its options and what it runs (wired into :mod:`hiring_funnel.cli`)."""

from __future__ import annotations

import argparse
import shlex
import sys
import warnings
from collections.abc import Sequence

from hiring_funnel.anonymize import DEFAULT_MAX_LEVELS, DEFAULT_MIN_GROUP, HORIZON_HELP
from hiring_funnel.published import file_name
from hiring_funnel.schema import HiringFunnelError


def add_report_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``report`` beyond the log's (PATH, --mapping, --attributes, ...)."""
    cmd.add_argument(
        "--by",
        action="extend",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="break the figures down by these attributes (one section each)",
    )
    cmd.add_argument(
        "--clock",
        action="extend",
        nargs="+",
        metavar="NAME",
        help="first_response, interview_feedback, decision (default: all three)",
    )
    cmd.add_argument(
        "--out", default="reports", metavar="DIR", help="folder to write to (default: reports)"
    )
    cmd.add_argument(
        "--format",
        default="html,pdf",
        metavar="LIST",
        help="html, pdf or html,pdf (default: html,pdf)",
    )
    cmd.add_argument(
        "--min-group",
        type=int,
        default=DEFAULT_MIN_GROUP,
        metavar="K",
        help=f"suppress segments of fewer than K candidates (default: {DEFAULT_MIN_GROUP})",
    )
    cmd.add_argument("--horizon", type=float, metavar="DAYS", help=HORIZON_HELP)
    cmd.add_argument(
        "--max-levels",
        type=int,
        default=DEFAULT_MAX_LEVELS,
        metavar="N",
        help=f"refuse a --by column with more than N values (default: {DEFAULT_MAX_LEVELS})",
    )


def run_report(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Write the report; print the paths written. ``argv`` is shown as the command in the report."""
    from hiring_funnel.cli import engine_option
    from hiring_funnel.report import ReportWarning, report

    words = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportWarning)
        paths = report(
            args.path,
            mapping=args.mapping,
            attributes=args.attributes,
            encoding=args.encoding,
            as_of=args.as_of,
            by=args.by,
            clocks=args.clock,
            out=args.out,
            formats=args.format,
            min_group=args.min_group,
            horizon=getattr(args, "horizon", None),
            max_levels=getattr(args, "max_levels", DEFAULT_MAX_LEVELS),
            command=shlex.join(["hiring-funnel", *words]),
            engine=engine_option(args),
            table=getattr(args, "table", None),
        )
    for warning in caught:
        if issubclass(warning.category, ReportWarning):
            print(f"hiring-funnel: note: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    for path in paths.values():
        print(f"wrote {file_name(path)}")  # no folders: they often hold a user name
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hiring_funnel.report``: the report command alone (same options)."""
    p = argparse.ArgumentParser(
        prog="python -m hiring_funnel.report", description="Write the HTML and PDF report."
    )
    p.add_argument("path", metavar="PATH", help="the log: .csv, .tsv, .jsonl, .parquet or .xlsx")
    p.add_argument("--mapping", metavar="F", help="a TOML mapping, or a bundled one: timhanneman")
    p.add_argument("--attributes", metavar="F", help="per-application attributes file")
    p.add_argument("--encoding", metavar="NAME", help="text encoding when not UTF-8")
    p.add_argument("--as-of", metavar="DATE", help="export date (ISO 8601); default: from the log")
    add_report_arguments(p)
    words = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(words)
    try:
        return run_report(args, ["report", *words])
    except HiringFunnelError as exc:
        from hiring_funnel.cli import public_error  # files by their names, as the CLI prints

        print(f"hiring-funnel: error: {public_error(exc, args)}", file=sys.stderr)
        return 1
