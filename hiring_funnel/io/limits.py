"""Size and depth limits of the readers, so that no input can make them work or print without end.

Each limit has a default that no real export comes near, can be raised in
Python (``read_events(..., limits=Limits(max_columns=50_000))``) or from the
environment (``HIRING_FUNNEL_MAX_COLUMNS=50000 hiring-funnel validate ...``),
and is named, with the variable that raises it, in the one-line error that
reports it (issue 10, "Bounded work").

========================= ================================ ==========================
limit                     environment variable             default
========================= ================================ ==========================
``max_cell_chars``        ``HIRING_FUNNEL_MAX_CELL_CHARS``   16,777,216 (16 Mi)
``max_columns``           ``HIRING_FUNNEL_MAX_COLUMNS``      10,000
``max_json_depth``        ``HIRING_FUNNEL_MAX_JSON_DEPTH``   64
``max_mapping_bytes``     ``HIRING_FUNNEL_MAX_MAPPING_BYTES`` 1,048,576 (1 MiB)
========================= ================================ ==========================

- ``max_cell_chars``: characters in one CSV or JSON Lines cell, after decoding.
  Python's csv module stops at 131,072 (128 KiB) and would reject the whole
  file; a cell is bounded so that an unclosed quote cannot swallow gigabytes.
  Excel caps a cell at 32,767 characters itself; Parquet cells are not checked.
- ``max_columns``: columns of a table (a CSV header, the keys of all JSON
  lines together, a Parquet schema, an Excel header, a DataFrame).
- ``max_json_depth``: nesting of lists and objects in one JSON line. A deeper
  line is quarantined (kind ``bad_json``); the rest of the file loads.
- ``max_mapping_bytes``: size of a TOML mapping file. Its nesting is bounded by
  ``max_json_depth`` too.

Every file is also refused before it is read unless it is a regular file (a
FIFO, ``/dev/zero`` or a socket would be read without end).

Examples
--------
>>> Limits().max_columns
10000
>>> Limits.from_env({"HIRING_FUNNEL_MAX_COLUMNS": "20000"}).max_columns
20000
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from hiring_funnel.schema import HiringFunnelError

#: Environment variable of each limit.
ENV_VARS: dict[str, str] = {
    "max_cell_chars": "HIRING_FUNNEL_MAX_CELL_CHARS",
    "max_columns": "HIRING_FUNNEL_MAX_COLUMNS",
    "max_json_depth": "HIRING_FUNNEL_MAX_JSON_DEPTH",
    "max_mapping_bytes": "HIRING_FUNNEL_MAX_MAPPING_BYTES",
}


@dataclass(frozen=True)
class Limits:
    """How large or deep an input may be before the readers refuse it.

    See the module docstring for each limit, its default and its variable.

    Examples
    --------
    >>> Limits(max_cell_chars=100).max_cell_chars
    100
    """

    max_cell_chars: int = 16 * 1024 * 1024
    max_columns: int = 10_000
    max_json_depth: int = 64
    max_mapping_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise HiringFunnelError(
                    f"limit {f.name} must be a whole number of at least 1, not {value!r}"
                )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, with any limit set in the environment (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for name, var in ENV_VARS.items():
            text = env.get(var)
            if text is None or not text.strip():
                continue
            try:
                values[name] = int(text.strip().replace("_", "").replace(",", ""))
            except ValueError:
                raise HiringFunnelError(
                    f"environment variable {var} must be a whole number, not {text[:40]!r}"
                ) from None
            if values[name] < 1:
                raise HiringFunnelError(f"environment variable {var} must be at least 1")
        return cls(**values)

    def hint(self, name: str, python_arg: str = "limits") -> str:
        """How to raise the limit ``name``: the environment variable and the Python argument."""
        return (
            f"raise it with the environment variable {ENV_VARS[name]}, "
            f"or {python_arg}=Limits({name}=...) in Python"
        )


def resolve(limits: Limits | None) -> Limits:
    """``limits`` when given, else the defaults with the environment's overrides."""
    return limits if limits is not None else Limits.from_env()


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def require_regular_file(path: Path, name: str) -> int:
    """Raise unless ``path`` (after symlinks) is a regular file; return its size in bytes.

    Checked before anything opens the file: opening a FIFO blocks until
    someone writes, and ``/dev/zero`` (even behind a symlink named ``x.csv``)
    is read until memory runs out.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise HiringFunnelError("file not found", source=name, hint="check the path") from None
    except OSError as exc:
        raise HiringFunnelError(
            f"cannot read the file: {exc.strerror or exc}", source=name
        ) from exc
    if stat.S_ISREG(st.st_mode):
        return st.st_size
    if stat.S_ISDIR(st.st_mode):
        raise HiringFunnelError("is a folder, not a file", source=name, hint="name a file")
    what = next((label for test, label in _KINDS if test(st.st_mode)), "a special file")
    raise HiringFunnelError(
        f"is not a regular file (it is {what}); only files on disk are read",
        source=name,
        hint="save the data to a file first",
    )
