"""The ``hiring-funnel`` command line (also ``python -m hiring_funnel``).

One module per subcommand, each with ``NAME``, ``add_parser(sub)`` and
``run(args, argv)``; the options of the log and of publishing are declared once
in :mod:`hiring_funnel.cli.options`, and how a run ends (one line for an error a
user can fix, no traceback; tracebacks are for bugs) in
:mod:`hiring_funnel.cli.errors`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from hiring_funnel import __version__
from hiring_funnel.cli import (
    keygen,
    mapping,
    predict,
    pseudonymise,
    report,
    simulate,
    summary,
    validate,
)
from hiring_funnel.cli.errors import run_guarded

#: The subcommands, in the order ``hiring-funnel --help`` lists them.
COMMANDS = (validate, simulate, report, predict, mapping, summary, pseudonymise, keygen)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``hiring-funnel`` with every subcommand."""
    p = argparse.ArgumentParser(
        prog="hiring-funnel",
        description="How long until an employer answers, and is silence bad news?",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples
    --------
    >>> main(["simulate", "--applications", "0", "--out", "unused"])
    1
    """
    args = build_parser().parse_args(argv)
    run = {command.NAME: command.run for command in COMMANDS}[args.command]
    return run_guarded(lambda: run(args, argv), args)


__all__ = ["COMMANDS", "build_parser", "main"]
