"""Writing files: never over an input, never half a file, never half a report.

Only the report and the command line write files (DESIGN.md), and they write
them all through this module. What it guarantees:

- **No input is overwritten.** :func:`check_output` refuses an output path
  that is an input of the run (the log, its attributes, mapping or pending
  file, and ``attributes.csv`` and ``mapping.toml`` beside an ``events.csv``),
  compared after resolving symlinks and ``..`` and by device and inode, so a
  hard link is caught too. It also refuses a folder or a device, and an
  existing file unless the caller passes ``force`` (the report passes it for
  its own two files).
- **A file is replaced whole or not at all.** :func:`write_files` writes each
  file to a temporary file beside it (``.NAME.PID.RANDOM.tmp``), flushes and
  fsyncs it, and renames it over the old one with :func:`os.replace`, which
  is atomic on one file system: a reader sees the old file or the new one,
  never a part. If anything fails first (a full disk, a read-only file
  system, Ctrl-C), the temporaries are removed and the old files are left as
  they were; the error says what failed and names the file.
- **Several files of one call are replaced together** (the report's HTML and
  PDF, the simulator's four files). Nothing is renamed until every temporary
  is complete. The renames happen while holding an exclusive ``flock`` on the
  folder, so two runs into one folder cannot interleave (the last one to get
  the lock wins, whole), and with SIGINT, SIGTERM and SIGHUP held back until
  the last rename is done, so Ctrl-C or ``kill`` lands before the first
  rename or after the last. If a rename fails half-way, the files already
  renamed are put back from hard-link backups taken just before.
- Temporaries left behind by a run that was killed are removed by the next
  write of the same files, under the lock.

Limits: a SIGKILL (or a power cut) exactly between two renames, a window of
microseconds, leaves new and old files side by side; the run id in the report
shows it, and the next run replaces both. Signals are held back only when
writing from the main thread (elsewhere they are blocked in the writing thread
alone). The lock is advisory: it orders runs of this package, not other
programs writing into the folder, and it is skipped where the file system has
no ``flock`` (some network file systems). An existing output that is a symlink
is replaced by the new file; the file it pointed to is left alone. A file's
permission bits are kept, its owner is not.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO

import pandas as pd

from hiring_funnel.atomic import (
    HeldSignals,
    Writer,
    folder_lock,
    hard_link_backup,
    remove_leftovers,
    rename_all,
    write_error,
    write_temporary,
)
from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "FORCE_HINT",
    "Writer",
    "check_output",
    "csv_writer",
    "guard_cell",
    "run_inputs",
    "write_error",
    "write_files",
    "write_guarded_csv",
]

#: What to do about an output that already exists.
FORCE_HINT = "pass --force to replace it (force=True from Python)"


def run_inputs(
    source: object,
    *,
    mapping: object = None,
    attributes: object = None,
    others: Iterable[object] = (),
) -> list[Path]:
    """The files a run reads, which no output of it may replace.

    Besides the files named, an ``events.csv`` (``events.parquet``) brings
    ``attributes.csv`` (``.parquet``) and ``mapping.toml`` of its folder (the simulator's layout, which the readers
    pick up by themselves), whether they exist yet or not. Values that are not
    paths (a DataFrame, a mapping dict) are skipped.

    Examples
    --------
    >>> [p.name for p in run_inputs("data/sample/events.csv", others=["pending.csv"])]
    ['events.csv', 'pending.csv', 'attributes.csv', 'mapping.toml']
    """
    paths = [
        Path(x) for x in (source, mapping, attributes, *others) if isinstance(x, str | os.PathLike)
    ]
    if isinstance(source, str | os.PathLike):
        paths += list(beside_log(source).values())
    return paths


#: The simulator's layout (data/sample, simulate --format parquet): the log's name
#: and the attribute file that goes with it; mapping.toml holds the export date.
_SIMULATED_LAYOUT = {"events.csv": "attributes.csv", "events.parquet": "attributes.parquet"}


def beside_log(source: str | os.PathLike[str]) -> dict[str, Path]:
    """The attributes and mapping files that go with a log in the simulator's layout.

    For ``events.csv`` (or ``events.parquet``): ``attributes.csv`` (or
    ``attributes.parquet``) and ``mapping.toml`` of its folder, whether they exist
    or not; for any other name, none.

    Examples
    --------
    >>> sorted((k, p.name) for k, p in beside_log("out/events.parquet").items())
    [('attributes', 'attributes.parquet'), ('mapping', 'mapping.toml')]
    """
    path = Path(source)
    if path.name not in _SIMULATED_LAYOUT:
        return {}
    return {
        "attributes": path.parent / _SIMULATED_LAYOUT[path.name],
        "mapping": path.parent / "mapping.toml",
    }


def check_output(
    path: str | Path, *, inputs: Iterable[str | Path] = (), force: bool = False
) -> Path:
    """Refuse to write ``path`` if it is an input, a folder, a device, or exists without ``force``.

    Raises
    ------
    HiringFunnelError
        Naming the output, with what to do instead.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = log.write_text("application_id,event,timestamp\\n")
    >>> check_output(log.parent / "sub" / ".." / "log.csv", inputs=[log])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: ...: is the input log.csv; ...
    """
    out = Path(path)
    for source in inputs:
        if _same_file(out, Path(source)):
            raise HiringFunnelError(
                f"is the input {Path(source).name}; an input is never written over",
                source=str(out),
                hint="choose another output file",
            )
    if out.is_dir():
        raise HiringFunnelError("is a folder", source=str(out), hint="give a file name")
    if os.path.lexists(out):
        if out.exists() and not stat.S_ISREG(out.stat().st_mode):
            raise HiringFunnelError(
                "is not a regular file (a device or a pipe)",
                source=str(out),
                hint="give the name of a file",
            )
        if not force:
            raise HiringFunnelError("already exists", source=str(out), hint=FORCE_HINT)
    return out


def _same_file(a: Path, b: Path) -> bool:
    # realpath resolves symlinks and "..", even of a file not made yet;
    # samefile (device and inode) also catches a hard link or a bind mount.
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def write_files(
    files: Mapping[Path, bytes | Writer],
    *,
    inputs: Iterable[str | Path] = (),
    force: bool = False,
    clean: Sequence[str] = (),
) -> list[Path]:
    """Write files of one folder atomically and together; return their paths.

    Parameters
    ----------
    files : mapping
        Path to contents: bytes, or a function that writes to a binary file.
        All paths must be in one folder, which is made if missing.
    inputs : paths
        Files of the run that must not be replaced (:func:`run_inputs`).
    force : bool
        Replace files that exist. Without it an existing file is an error.
    clean : sequence of str
        More file names in the folder whose leftover temporaries to remove.

    Raises
    ------
    HiringFunnelError
        For an output refused by :func:`check_output`, or a write that failed
        (:func:`write_error`); the previous files are then unchanged.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in write_files({folder / "a.txt": b"a", folder / "b.txt": b"b"})]
    ['a.txt', 'b.txt']
    >>> sorted(p.name for p in folder.iterdir())  # no temporary left
    ['a.txt', 'b.txt']
    """
    targets = [Path(p) for p in files]
    inputs = list(inputs)
    folder = targets[0].parent
    if any(t.parent != folder for t in targets):
        raise ValueError("write_files writes into one folder")
    previous = "files" if len(targets) > 1 else "file"
    for target in targets:  # before making the folder: a refused run leaves nothing behind
        check_output(target, inputs=inputs, force=force)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, folder, previous="nothing") from exc
    held = HeldSignals()
    try:
        with folder_lock(folder) as (folder_fd, locked):
            # Again under the lock: another run may have written since.
            for target in targets:
                check_output(target, inputs=inputs, force=force)
            remove_leftovers(folder, {t.name for t in targets} | set(clean), locked)
            temps: dict[Path, Path] = {}
            backups: dict[Path, Path] = {}
            try:
                for target, contents in zip(targets, files.values(), strict=True):
                    temps[target] = write_temporary(target, contents, previous)
                if len(targets) > 1:
                    backups = {t: b for t in targets if (b := hard_link_backup(t)) is not None}
                with held:
                    rename_all(temps, backups, previous)
                if folder_fd is not None:
                    with suppress(OSError):  # some file systems cannot fsync a folder
                        os.fsync(folder_fd)  # makes the renames durable
            finally:
                for leftover in [*temps.values(), *backups.values()]:
                    with suppress(FileNotFoundError):
                        os.unlink(leftover)
    finally:
        held.deliver()
    return targets


#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with ``'``.

    Examples
    --------
    >>> guard_cell("=HYPERLINK(\\"http://x\\")"), guard_cell("-3"), guard_cell(-3)
    ('\\'=HYPERLINK("http://x")', "'-3", -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_writer(frame: pd.DataFrame) -> Writer:
    """A :data:`Writer` of ``frame`` as CSV: UTF-8, ``\\n`` lines, no index."""

    def write(f: IO[bytes]) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        try:
            frame.to_csv(text, index=False, lineterminator="\n")
            text.flush()
        finally:
            text.detach()  # leave the binary file open for its fsync

    return write


def write_guarded_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    force: bool = False,
) -> Path:
    """Write a CSV whose text cells cannot run as spreadsheet formulas, atomically.

    UTF-8 with ``\\n`` lines; the folder is made if missing. ``inputs`` and
    ``force`` are as in :func:`write_files`: an input is never replaced, an
    existing file only with ``force``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "q.csv"
    >>> _ = write_guarded_csv(pd.DataFrame({"note": ["=1+1"]}), out)
    >>> out.read_text()
    "note\\n'=1+1\\n"
    """
    out = Path(path)
    safe = frame.copy()
    safe.columns = [guard_cell(str(c)) for c in safe.columns]
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(guard_cell)
    write_files({out: csv_writer(safe)}, inputs=inputs, force=force)
    return out
