"""The files that go with a log when they are not named: the lookup beside a log.

The simulator writes ``events.csv`` (or ``events.parquet``) with its attributes
file and ``mapping.toml`` (which holds the export date) in one folder
(:func:`hiring_funnel.outputs.beside_log` names them). The command line and
:func:`hiring_funnel.report.report` read a log of that layout with those files
when the user names none, and say so; this module is that rule, in one place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from hiring_funnel.outputs import beside_log


class Companions(NamedTuple):
    """The mapping and attributes to read a log with, and the files found beside it."""

    mapping: Any
    attributes: Any
    #: The files taken from beside the log (attributes first, then the mapping).
    found: tuple[Path, ...]


def files_beside(source: Any, *, mapping: Any = None, attributes: Any = None) -> Companions:
    """``mapping`` and ``attributes``, each taken from beside the log when not given.

    Only a log given as a path of the simulator's layout has files beside it;
    a file the user names always wins, and a file that does not exist is not
    taken.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("events.csv", "attributes.csv", "mapping.toml"):
    ...     _ = (folder / name).write_text("")
    >>> [p.name for p in files_beside(folder / "events.csv").found]
    ['attributes.csv', 'mapping.toml']
    >>> files_beside(folder / "events.csv", mapping="mine.toml").mapping
    'mine.toml'
    >>> files_beside("tracker.xlsx").found
    ()
    """
    found: list[Path] = []
    if isinstance(source, str | os.PathLike):
        near = {k: p for k, p in beside_log(source).items() if p.exists()}
        if attributes is None and "attributes" in near:
            attributes = near["attributes"]
            found.append(attributes)
        if mapping is None and "mapping" in near:
            mapping = near["mapping"]
            found.append(mapping)
    return Companions(mapping, attributes, tuple(found))


__all__ = ["Companions", "files_beside"]
