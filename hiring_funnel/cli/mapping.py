"""``hiring-funnel mapping suggest FILE``: a starting mapping from a file's headers and dates."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

NAME = "mapping"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``mapping`` subcommand and its actions, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        NAME, help="help with mappings: suggest one for a new file"
    )
    actions = cmd.add_subparsers(dest="mapping_command", required=True, metavar="ACTION")
    suggest = actions.add_parser(
        "suggest", help="print a starting mapping from a file's headers and the dates in it"
    )
    suggest.add_argument(
        "path", metavar="FILE", help="the log or tracker: .csv, .tsv, .jsonl, .xlsx"
    )
    suggest.add_argument("--encoding", metavar="NAME", help="text encoding when not UTF-8")
    return cmd


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Print the suggested mapping (TOML)."""
    from hiring_funnel.io.suggest import suggest_mapping

    print(suggest_mapping(args.path, encoding=args.encoding), end="")
    return 0
