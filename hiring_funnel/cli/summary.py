"""``hiring-funnel summary``: naive and censoring-aware waiting times, per clock."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from hiring_funnel.cli.options import add_log_arguments, add_publishing_arguments, read_log
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.text import clean_label

NAME = "summary"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``summary`` subcommand and its options, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        NAME, help="naive and censoring-aware waiting times, per clock"
    )
    add_log_arguments(cmd)
    cmd.add_argument("--by", metavar="COLUMN", help="break the figures down by an attribute")
    cmd.add_argument(
        "--clock",
        action="append",
        metavar="NAME",
        help="first_response, interview_feedback or decision (default: all three)",
    )
    cmd.add_argument(
        "--day-boundary",
        choices=("time_of_day", "end_of_day"),
        default="time_of_day",
        help="a wait censored during its last day is at risk for the share of that day's "
        "answers seen by then (time_of_day, default) or all day (end_of_day, as the "
        "DuckDB/Spark engines count)",
    )
    add_publishing_arguments(
        cmd,
        min_group_help="hide groups and counts of fewer than K candidates (default: "
        "%(default)s; 1 prints everything)",
        max_levels_help="refuse a --by column with more than N values (default: %(default)s)",
    )
    return cmd


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Print the counts, the table per clock, the headline and what comes next."""
    from hiring_funnel.analyses.summary import (
        CLOCKS,
        counts_line,
        format_summary,
        headline,
        summarise,
        what_next,
    )
    from hiring_funnel.clocks import episodes
    from hiring_funnel.report.privacy import check_min_group

    k = check_min_group(args.min_group)
    log = read_log(args)
    clocks = args.clock or list(CLOCKS)
    bad = [c for c in clocks if c not in CLOCKS]
    if bad:
        raise HiringFunnelError(
            f"unknown clock {clean_label(bad[0])!r}",
            code="unknown_clock",
            hint=f"use {', '.join(CLOCKS)}",
        )
    print(counts_line(log, min_group=k))
    if log.events.empty if isinstance(log, EventLog) else log.rows_loaded == 0:
        raise HiringFunnelError(
            "no usable rows: nothing to summarise (run validate)", file=log.source, code="no_rows"
        )
    # Each clock's episodes once, for the table and the headline (engine: only what they read).
    made: dict[str, Any] = {}
    if args.day_boundary != "time_of_day" and isinstance(log, EventLog):
        # The engines count whole last days already (hiring_funnel.day_boundary).
        made = {c: episodes(log, c, day_boundary=args.day_boundary) for c in clocks}
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
