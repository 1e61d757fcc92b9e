"""``hiring-funnel report``: write the HTML and PDF report.

Also ``python -m hiring_funnel.report PATH [options]`` (:func:`main`): the same
command on its own, with the same options except the engine's.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from hiring_funnel.cli.errors import run_guarded
from hiring_funnel.cli.options import add_log_arguments, add_publishing_arguments, engine_option
from hiring_funnel.report.published import file_name

NAME = "report"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``report`` subcommand and its options, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        NAME, help="write the HTML and PDF report (reports/hiring_funnel_report.html, .pdf)"
    )
    add_log_arguments(cmd)
    add_report_arguments(cmd)
    return cmd


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
    add_publishing_arguments(
        cmd,
        min_group_help="suppress segments of fewer than K candidates (default: %(default)s)",
        max_levels_help="refuse a --by column with more than N values (default: %(default)s)",
    )


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Write the report; print the paths written. ``argv`` is shown as the command in the report."""
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
            observed_from=args.observed_from,
            by=args.by,
            clocks=args.clock,
            out=args.out,
            formats=args.format,
            min_group=args.min_group,
            horizon=args.horizon,
            max_levels=args.max_levels,
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
    add_log_arguments(p, engine=False)
    add_report_arguments(p)
    words = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(words)
    return run_guarded(lambda: run(args, ["report", *words]), args)
