"""``hiring-funnel validate``: check a log and list every problem."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from hiring_funnel.cli.options import add_log_arguments, read_log
from hiring_funnel.schema import EventLog

NAME = "validate"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``validate`` subcommand and its options, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(NAME, help="check a log and list every problem")
    add_log_arguments(cmd)
    cmd.add_argument("--quarantine", metavar="OUT", help="write quarantined rows to this CSV file")
    cmd.add_argument(
        "--force", action="store_true", help="replace the --quarantine file if it exists"
    )
    return cmd


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Print the counts, the problems and the quarantined rows by kind; 1 when nothing is usable."""
    from hiring_funnel.outputs import check_output, run_inputs, write_guarded_csv

    inputs = run_inputs(args.path, mapping=args.mapping, attributes=args.attributes)
    if args.quarantine:  # before reading: a refused output should not wait for a big log
        check_output(args.quarantine, inputs=inputs, force=args.force)
    log = read_log(args)
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
