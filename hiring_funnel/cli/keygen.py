"""``hiring-funnel keygen K``: make a secret key for ``pseudonymise`` (32 random bytes, mode 0600)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

NAME = "keygen"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``keygen`` subcommand, on the subparsers ``sub``."""
    cmd: argparse.ArgumentParser = sub.add_parser(
        NAME, help="make a secret key file for pseudonymise (never replaces one)"
    )
    cmd.add_argument("key_file", metavar="K", help="the new key file")
    return cmd


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Write the key; print where, never the key."""
    from hiring_funnel.pseudonymisation.keys import write_key

    path = write_key(args.key_file)
    print(
        f"wrote {path} (mode 0600): keep it secret and keep it safe; whoever has it can "
        "re-identify pseudonyms, and without it new exports no longer join old ones"
    )
    return 0
