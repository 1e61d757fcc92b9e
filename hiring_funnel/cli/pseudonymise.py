"""``hiring-funnel pseudonymise``: keyed pseudonyms, shifted dates and folded categories.

See :mod:`hiring_funnel.pseudonymisation` for what is done to each column.
Prints the files written and what was done to which column, never a value of
the data and never anything of the key.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from hiring_funnel.report.suppression import DEFAULT_MIN_GROUP
from hiring_funnel.schema import HiringFunnelError

NAME = "pseudonymise"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``pseudonymise`` subcommand and its options, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        NAME,
        help="write a pseudonymised copy of a raw export (keyed pseudonyms, shifted dates); "
        "pseudonymised, not anonymous",
    )
    cmd.add_argument("path", metavar="RAW", help="the raw export: .csv, .tsv, .jsonl, .parquet")
    cmd.add_argument(
        "--key-file", required=True, metavar="K", help="the secret key (make one with keygen)"
    )
    cmd.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    cmd.add_argument(
        "--id",
        dest="ids",
        action="append",
        metavar="COL",
        help="an identifier column to hash (repeat; default: columns named like *_id, email, "
        "phone, name)",
    )
    cmd.add_argument(
        "--candidate",
        metavar="COL",
        help="the column of the person, for the date shift (default: candidate_id, else the "
        "first email column, else the first identifier)",
    )
    cmd.add_argument(
        "--date",
        dest="dates",
        action="append",
        metavar="COL",
        help="a date column to shift (repeat; columns of ISO dates are shifted anyway)",
    )
    cmd.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COL",
        help="a free-text column to keep (repeat; never one with emails or phone numbers)",
    )
    cmd.add_argument(
        "--k",
        "--min-group",
        dest="k",
        type=int,
        default=DEFAULT_MIN_GROUP,
        metavar="K",
        help=f"fold levels of fewer than K candidates into 'Other' (default {DEFAULT_MIN_GROUP})",
    )
    cmd.add_argument(
        "--engine",
        choices=("auto", "pandas", "duckdb"),
        default="auto",
        help="auto (default): DuckDB for CSV files of 64 MiB or more",
    )
    cmd.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    log = cmd.add_argument_group(
        "a log (every wait kept)",
        "read RAW as a log, as the other commands do, and write the canonical events.csv, "
        "attributes.csv (with each application's observed_until), mapping.toml and "
        "manifest.json: for an ATS export read through a preset (--mapping greenhouse)",
    )
    log.add_argument("--log", action="store_true", help="read RAW as a log (implied by --mapping)")
    log.add_argument(
        "--mapping", metavar="F", help="a TOML mapping, or a bundled one: greenhouse, lever, ashby"
    )
    log.add_argument("--attributes", metavar="F", help="per-application attributes file")
    log.add_argument(
        "--as-of",
        metavar="DATE",
        help="export date (ISO 8601); default: from the log. For a raw export: written to "
        "every row as observed_until, moved with its candidate, so open applications keep "
        "their waits",
    )
    log.add_argument("--encoding", metavar="NAME", help="text encoding when not UTF-8")
    return cmd


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Pseudonymise and write the folder; print what was done."""
    from hiring_funnel.pseudonymisation.files import write_pseudonymised

    if args.log or args.mapping or args.attributes:
        return _run_log(args)

    paths, manifest = write_pseudonymised(
        args.path,
        args.key_file,
        args.out,
        ids=args.ids,
        candidate=args.candidate,
        dates=args.dates,
        keep=args.keep,
        k=args.k,
        engine=args.engine,
        force=args.force,
        as_of=args.as_of,
    )
    for path in paths:
        print(f"wrote {path}")
    print(f"pseudonymised (not anonymous) {manifest['rows_in']:,} rows")
    for what in ("hashed", "shifted", "kept"):
        print(f"  {what}: {', '.join(manifest[what]) or 'none'}")
    folded = manifest["folded"]
    print("  folded: " + (", ".join(f"{c} ({n} levels)" for c, n in folded.items()) or "none"))
    dropped = manifest["dropped"]
    print("  dropped: " + ("; ".join(f"{c} ({why})" for c, why in dropped.items()) or "none"))
    return 0


def _run_log(args: argparse.Namespace) -> int:
    """``--log``: the log as canonical files, every wait kept."""
    from hiring_funnel.pseudonymisation.files import write_pseudonymised_log

    raw_only = [
        o
        for o, v in (
            ("--id", args.ids),
            ("--candidate", args.candidate),
            ("--date", args.dates),
            ("--keep", args.keep),
        )
        if v
    ]
    if raw_only:
        raise HiringFunnelError(
            f"{raw_only[0]} is for a raw export; a log's columns are known (--log, --mapping)",
            code="bad_argument",
        )
    paths, manifest = write_pseudonymised_log(
        args.path,
        args.key_file,
        args.out,
        mapping=args.mapping,
        attributes=args.attributes,
        as_of=args.as_of,
        encoding=args.encoding,
        k=args.k,
        force=args.force,
    )
    for path in paths:
        print(f"wrote {path}")
    print(
        f"pseudonymised (not anonymous) {manifest['events']:,} events of "
        f"{manifest['applications']:,} applications ({manifest['rows_read']:,} rows read, "
        f"{manifest['rows_quarantined']:,} quarantined)"
    )
    print(f"  hashed: {', '.join(manifest['hashed'])}")
    print(f"  shifted: {', '.join(manifest['shifted'])} (one shift per candidate, whole weeks)")
    for part, decided in manifest["columns"].items():
        folded = ", ".join(f"{c} ({n} levels)" for c, n in decided.get("folded", {}).items())
        dropped = "; ".join(f"{c} ({why})" for c, why in decided.get("dropped", {}).items())
        print(f"  {part}: folded: {folded or 'none'}; dropped: {dropped or 'none'}")
    return 0
