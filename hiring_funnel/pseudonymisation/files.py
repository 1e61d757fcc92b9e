"""Writing a pseudonymised export: ``pseudonymised.csv`` and ``manifest.json`` in a folder.

The folder must be new or empty (``force`` writes into a folder that is not
and replaces the two files); the input and the key file are never written
over, and the key file may not be in the folder (which is meant to be shared).
Both files are written atomically and together (:func:`hiring_funnel.outputs.write_files`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from hiring_funnel.outputs import FORCE_HINT, csv_writer, write_files
from hiring_funnel.pseudonymisation.core import pseudonymise
from hiring_funnel.pseudonymisation.engine import copy_writer, pseudonymise_csv, temporary_beside
from hiring_funnel.pseudonymisation.keys import read_key
from hiring_funnel.pseudonymisation.manifest import MANIFEST_NAME, OUTPUT_NAME, manifest_bytes
from hiring_funnel.report.suppression import DEFAULT_MIN_GROUP
from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "ENGINES",
    "ENGINE_THRESHOLD",
    "LOG_FILES",
    "choose_engine",
    "write_pseudonymised",
    "write_pseudonymised_log",
]

ENGINES = ("auto", "pandas", "duckdb")
#: ``auto`` takes DuckDB for CSV and TSV files from this size on.
ENGINE_THRESHOLD = 64 * 2**20


def choose_engine(raw: str | Path, engine: str) -> str:
    """``pandas`` or ``duckdb`` for ``raw`` (``auto``: DuckDB for CSV/TSV of 64 MiB or more).

    Examples
    --------
    >>> choose_engine("data/sample/events.csv", "auto"), choose_engine("x.parquet", "pandas")
    ('pandas', 'pandas')
    """
    if engine not in ENGINES:
        raise HiringFunnelError(f"unknown engine {engine!r}", hint="use " + ", ".join(ENGINES))
    csv_like = Path(raw).suffix.lower() in (".csv", ".tsv")
    if engine == "duckdb" and not csv_like:
        raise HiringFunnelError(
            "the DuckDB path reads CSV and TSV files only",
            file=str(raw),
            hint="pass --engine pandas, or convert the file to CSV",
        )
    if engine != "auto":
        return engine
    try:
        big = os.path.getsize(raw) >= ENGINE_THRESHOLD
    except OSError:
        big = False
    return "duckdb" if csv_like and big else "pandas"


def _check_folder(out: Path, raw: Path, key_file: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        what = "is the input" if os.path.realpath(out) == os.path.realpath(raw) else "is a file"
        raise HiringFunnelError(
            f"{what}; --out names a folder to write into (an input is never written over)",
            file=str(out),
            hint="give a new folder",
        )
    if os.path.realpath(key_file.parent) == os.path.realpath(out):
        raise HiringFunnelError(
            "the key file is in the output folder, which is meant to be shared",
            file=str(out),
            hint="keep the key in another folder",
        )
    if out.is_dir() and any(out.iterdir()) and not force:
        raise HiringFunnelError("the output folder is not empty", file=str(out), hint=FORCE_HINT)


def write_pseudonymised(
    raw: str | Path,
    key_file: str | Path,
    out: str | Path,
    *,
    ids: Sequence[str] | None = None,
    candidate: str | None = None,
    dates: Sequence[str] | None = None,
    keep: Sequence[str] = (),
    k: int = DEFAULT_MIN_GROUP,
    engine: str = "auto",
    force: bool = False,
    as_of: Any = None,
) -> tuple[list[Path], dict[str, Any]]:
    """Pseudonymise ``raw`` with the key in ``key_file`` into the folder ``out``.

    Returns the paths written and the manifest.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hiring_funnel.pseudonymisation.keys import write_key
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> key = write_key(tmp / "secret" / "k.key") if (tmp / "secret").mkdir() is None else None
    >>> paths, manifest = write_pseudonymised("data/sample/attributes.csv", key, tmp / "out")
    >>> [p.name for p in paths], manifest["kind"]
    (['pseudonymised.csv', 'manifest.json'], 'pseudonymised')
    """
    raw, key_file, out = Path(raw), Path(key_file), Path(out)
    key = read_key(key_file)
    _check_folder(out, raw, key_file, force)
    options: dict[str, Any] = {
        "ids": ids,
        "candidate": candidate,
        "dates": dates,
        "keep": keep,
        "k": k,
        "as_of": as_of,
    }
    inputs = [raw, key_file]
    targets = (out / OUTPUT_NAME, out / MANIFEST_NAME)
    if choose_engine(raw, engine) == "pandas":
        result = pseudonymise(raw, key, **options)
        paths = write_files(
            {
                targets[0]: csv_writer(result.frame),
                targets[1]: manifest_bytes(dict(result.manifest)),
            },
            inputs=inputs,
            force=force,
        )
        return paths, dict(result.manifest)
    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HiringFunnelError(f"cannot make the folder: {exc.strerror}", file=str(out)) from None
    tmp = temporary_beside(out)
    try:
        manifest = pseudonymise_csv(raw, key, tmp, **options)
        paths = write_files(
            {targets[0]: copy_writer(tmp), targets[1]: manifest_bytes(manifest)},
            inputs=inputs,
            force=force,
        )
    except BaseException:
        if made:
            with suppress(OSError):
                tmp.unlink()
                out.rmdir()
        raise
    finally:
        with suppress(OSError):
            tmp.unlink()
    return paths, manifest


#: The files of a pseudonymised log, as every command finds them beside events.csv.
LOG_FILES = ("events.csv", "attributes.csv", "mapping.toml", MANIFEST_NAME)


def write_pseudonymised_log(
    raw: str | Path,
    key_file: str | Path,
    out: str | Path,
    *,
    mapping: str | Path | None = None,
    attributes: str | Path | None = None,
    as_of: str | None = None,
    encoding: str | None = None,
    k: int = DEFAULT_MIN_GROUP,
    force: bool = False,
) -> tuple[list[Path], dict[str, Any]]:
    """Read ``raw`` as a log (its mapping and attributes, or those found beside it) and
    write it pseudonymised into ``out``: :data:`LOG_FILES`
    (:func:`hiring_funnel.pseudonymisation.log.pseudonymise_log`).

    Returns the paths written and the manifest.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hiring_funnel.pseudonymisation.keys import write_key
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> key = write_key(tmp / "secret" / "k.key") if (tmp / "secret").mkdir() is None else None
    >>> paths, manifest = write_pseudonymised_log("data/sample/events.csv", key, tmp / "out")
    >>> [p.name for p in paths], manifest["mode"]
    (['events.csv', 'attributes.csv', 'mapping.toml', 'manifest.json'], 'log')
    """
    from hiring_funnel.io.beside import files_beside
    from hiring_funnel.io.load import read_events
    from hiring_funnel.pseudonymisation.log import pseudonymise_log

    raw, key_file, out = Path(raw), Path(key_file), Path(out)
    key = read_key(key_file)
    _check_folder(out, raw, key_file, force)
    beside = files_beside(raw, mapping=mapping, attributes=attributes)
    log = read_events(
        raw, mapping=beside.mapping, attributes=beside.attributes, encoding=encoding, as_of=as_of
    )
    result = pseudonymise_log(log, key, k=k)
    manifest = dict(result.manifest)
    files: dict[Path, Any] = {
        out / LOG_FILES[0]: csv_writer(result.events),
        out / LOG_FILES[1]: csv_writer(result.attributes),
        out / LOG_FILES[2]: (
            "# The export date of this pseudonymised log: the latest observed_until.\n"
            f'as_of = "{result.as_of}"\n'
        ).encode(),
        out / LOG_FILES[3]: manifest_bytes(manifest),
    }
    given = (beside.mapping, beside.attributes)
    inputs = [raw, key_file, *(Path(p) for p in given if isinstance(p, str | Path))]
    return write_files(files, inputs=inputs, force=force), manifest
