"""How the command line ends: one line for an error a user can fix, no traceback.

Errors a user can cause (:class:`~hiring_funnel.schema.HiringFunnelError`) print
one line naming the file, line and column and exit 1; an interrupt exits 130 and
a closed pipe 141, as a shell reports them. Tracebacks are kept for bugs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from hiring_funnel.report.published import file_name
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.text import clean_label

#: Options whose values are paths (folders are taken out of what commands print).
PATH_OPTIONS = ("path", "mapping", "attributes", "out", "pending", "quarantine", "key_file")
# A path as it appears in a message: absolute, from home, or relative to here.
_PATH_IN_TEXT = re.compile(r"(?<![\w.])(?:[A-Za-z]:[\\/]|~?/|\.{1,2}[\\/])[^\s'\"]*")


def run_guarded(command: Callable[[], int], args: argparse.Namespace) -> int:
    """Run ``command``; a user's error, an interrupt or a closed pipe become an exit code."""
    try:
        return command()
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
            file=None if exc.file is None else file_name(exc.file),
            line=exc.line,
            column=exc.column,
            code=exc.code,
            hint=exc.hint,
        )
    )
    for option in PATH_OPTIONS:
        value = getattr(args, option, None)
        if isinstance(value, str) and re.search(r"[/\\]", value):
            for form in {value, str(Path(value).expanduser().resolve())}:
                text = text.replace(form, file_name(form))
    return clean_label(_PATH_IN_TEXT.sub(lambda m: file_name(m.group(0)), text))
