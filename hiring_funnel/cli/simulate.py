"""``hiring-funnel simulate``: write a simulated log, the one the sample in data/sample is."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hiring_funnel.schema import HiringFunnelError

NAME = "simulate"
#: The seed and size of data/sample: ``simulate --out data/sample`` remakes it byte for byte.
SAMPLE_SEED = 20261126
SAMPLE_APPLICATIONS = 5000


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``simulate`` subcommand and its options, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        NAME,
        help="write a simulated log (events, attributes, truth.json, mapping.toml) as CSV or Parquet",
    )
    cmd.add_argument("--applications", type=int, default=SAMPLE_APPLICATIONS, metavar="N")
    cmd.add_argument("--seed", type=int, default=SAMPLE_SEED, metavar="S")
    cmd.add_argument("--out", required=True, metavar="DIR")
    cmd.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="events and attributes as CSV (default) or Parquet",
    )
    cmd.add_argument("--force", action="store_true", help="replace the files if they exist")
    return cmd


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Simulate and write the files; print the paths written."""
    from hiring_funnel.simulate.files import simulate_to_files

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
