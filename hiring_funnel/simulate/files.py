"""Simulate a large log straight into files, block by block, in bounded memory.

:func:`simulate_to_files` writes what :func:`hiring_funnel.simulate.write_simulated`
writes (the events, the attributes, ``truth.json`` and ``mapping.toml``) as
CSV or Parquet, simulating the applications in blocks
(:mod:`hiring_funnel.simulate.blocks`): memory grows with the block size, not
with the log. A log of at most one block is the one :func:`simulate` draws,
and as CSV its files are :func:`write_simulated`'s, byte for byte (so the
bundled ``data/sample`` is remade by either).

The files are written as :func:`hiring_funnel.outputs.write_files` writes:
each to a temporary file in the folder, renamed over its name only when all
four are complete; an existing file is refused unless ``force``. The events
are simulated once, while the events file is written; the attributes file
then draws each block's population again (the first draws of its generator,
a small part of the work), and the truth is built from counts kept on the way.
"""

from __future__ import annotations

import json
import sys
from contextlib import suppress
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hiring_funnel.outputs import Writer, write_files
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.simulate import ATTRIBUTE_COLUMNS, FILE_COLUMNS
from hiring_funnel.simulate.blocks import (
    BLOCK_APPLICATIONS,
    BlockPlan,
    CombinationCounter,
    attributes_table,
    events_table,
    plan_blocks,
    populations,
    simulate_block,
)
from hiring_funnel.simulate.model import check_count, export_date, make_params
from hiring_funnel.simulate.truth import build_truth

__all__ = ["BLOCK_APPLICATIONS", "FORMATS", "simulate_to_files", "simulated_file_names"]

#: File formats of the events and attributes.
FORMATS = ("csv", "parquet")
_QUOTED = r'[,"\r\n]'


def simulated_file_names(file_format: str = "csv") -> tuple[str, ...]:
    """The four files :func:`simulate_to_files` writes, in its order.

    Examples
    --------
    >>> simulated_file_names("parquet")
    ('events.parquet', 'attributes.parquet', 'truth.json', 'mapping.toml')
    """
    return (f"events.{file_format}", f"attributes.{file_format}", "truth.json", "mapping.toml")


def _csv_cells(column: pa.ChunkedArray | pa.Array, name: str) -> pa.Array:
    """A column as the text pandas' ``to_csv`` writes: minimal quoting, null as nothing."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_timestamp(column.type):  # UTC: "2026-11-20 17:00:00" -> "...T17:00:00Z"
        # Fixed positions: pandas' timestamps are within the years 1677-2262.
        text = pc.cast(column.cast(pa.timestamp("s")), pa.string())
        return pc.binary_replace_slice(pc.binary_replace_slice(text, 10, 11, "T"), 19, 19, "Z")
    if pa.types.is_boolean(column.type):
        return pc.if_else(column, "True", "False")
    if name.endswith("_id"):  # a letter and digits: never quoted
        return column
    # Labels: a few distinct values, checked once each.
    if pc.any(pc.match_substring_regex(pc.unique(column), _QUOTED)).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        return pc.if_else(pc.match_substring_regex(column, _QUOTED), quoted, column)
    return column


def _csv_bytes(table: pa.Table) -> pa.Buffer:
    """The rows of ``table`` as CSV lines (no header), ready to write."""
    cells = [
        _csv_cells(table.column(i), name).cast(pa.large_string())
        for i, name in enumerate(table.column_names)
    ]
    comma = pa.scalar(",", pa.large_string())
    lines = pc.binary_join_element_wise(*cells, comma, null_handling="replace", null_replacement="")
    # Joining each line and "" with "\n" ends it with "\n"; the characters of
    # the string array are then the file's bytes, one after the other.
    empty, newline = pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string())
    lines = pc.binary_join_element_wise(lines, empty, newline)
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    offsets = offsets[lines.offset : lines.offset + len(lines) + 1]
    return lines.buffers()[2][int(offsets[0]) : int(offsets[-1])]


class _Run:
    """The state shared by the four writers of one call: counts for the truth, progress."""

    def __init__(self, plan: BlockPlan, file_format: str, progress: bool) -> None:
        self.plan = plan
        self.file_format = file_format
        self.progress = progress
        self.n_events = 0
        self.counter = CombinationCounter(plan.params)

    def _tick(self, done: int) -> None:
        if self.progress:
            total = self.plan.n_applications
            end = "\n" if done == total else ""
            sys.stderr.write(
                f"\rsimulating: {done:,} of {total:,} applications ({done / total:.0%}){end}"
            )
            sys.stderr.flush()

    def write_events(self, f: IO[bytes]) -> None:
        done = 0
        self._tick(0)
        try:
            with _TableSink(f, self.file_format, FILE_COLUMNS) as sink:
                for k, size in enumerate(self.plan.sizes):
                    block = simulate_block(self.plan, k)
                    table = events_table(self.plan, block)
                    self.counter.add(block.pop)
                    self.n_events += table.num_rows
                    sink.write(table)
                    done += size
                    self._tick(done)
        finally:
            if self.progress and done < self.plan.n_applications:
                sys.stderr.write("\n")  # the error, if any, on a line of its own

    def write_attributes(self, f: IO[bytes]) -> None:
        with _TableSink(f, self.file_format, ATTRIBUTE_COLUMNS) as sink:
            for k, pop in populations(self.plan):
                sink.write(attributes_table(self.plan, k, pop))

    def truth(self) -> dict[str, Any]:
        plan = self.plan
        sample = {
            "seed": int(plan.seed),
            "n_applications": plan.n_applications,
            "n_candidates": sum(plan.candidates),
            "n_companies": sum(plan.companies),
            "n_events": self.n_events,
            "as_of": plan.as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return build_truth(plan.params, self.counter.result(), sample)

    def write_truth(self, f: IO[bytes]) -> None:
        text = json.dumps(self.truth(), sort_keys=True, indent=2, ensure_ascii=True) + "\n"
        f.write(text.encode("utf-8"))

    def mapping(self) -> bytes:
        as_of = self.plan.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            "# Written by `hiring-funnel simulate`: how to read "
            f"events.{self.file_format} in this folder.\n"
            f'description = "simulated log of {self.plan.n_applications} applications"\n'
            'layout = "long"\n'
            "# The moment the log was exported: applications still waiting then are censored"
            " there.\n"
            f'as_of = "{as_of}"\n'
        ).encode()


class _TableSink:
    """Writes tables one after another: CSV lines under one header, or Parquet row groups."""

    def __init__(self, f: IO[bytes], file_format: str, columns: tuple[str, ...]) -> None:
        self.f, self.file_format, self.columns = f, file_format, columns
        self.parquet: pq.ParquetWriter | None = None

    def __enter__(self) -> _TableSink:
        if self.file_format == "csv":
            self.f.write((",".join(self.columns) + "\n").encode("utf-8"))
        return self

    def write(self, table: pa.Table) -> None:
        if self.file_format == "csv":
            self.f.write(memoryview(_csv_bytes(table)))
            return
        if self.parquet is None:
            # Dictionaries for the labels, not the ids (unique-ish: a wasted
            # dictionary); zstd: smaller than snappy and here no slower.
            labels = [c for c in self.columns if not c.endswith("_id")]
            self.parquet = pq.ParquetWriter(
                self.f, table.schema, use_dictionary=labels, compression="zstd"
            )
        self.parquet.write_table(table, row_group_size=max(1, table.num_rows))

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self.parquet is None:
            return
        if kind is None:
            self.parquet.close()  # writes the footer
        else:  # the temporary file is removed anyway; keep the first error
            with suppress(Exception):
                self.parquet.close()


def simulate_to_files(
    n_applications: int,
    out_dir: str | Path,
    *,
    seed: int,
    format: Literal["csv", "parquet"] = "csv",
    force: bool = False,
    block_applications: int = BLOCK_APPLICATIONS,
    progress: bool | None = None,
    **params: Any,
) -> list[Path]:
    """Simulate ``n_applications`` applications block by block straight into files.

    Parameters
    ----------
    n_applications : int
        Number of applications.
    out_dir : str or Path
        The folder, made if missing; it receives ``events.FORMAT``,
        ``attributes.FORMAT``, ``truth.json`` and ``mapping.toml``.
    seed : int
        The seed (a non-negative integer); block ``k`` draws from the
        generator :func:`hiring_funnel.simulate.blocks.block_rng` gives.
    format : "csv" or "parquet"
        CSV as :func:`write_simulated` writes it, or Parquet (a row group per
        block; ``timestamp`` a UTC timestamp, ``remote`` a bool).
    force : bool
        Replace the four files if any exists; without it that is an error
        and nothing is simulated.
    block_applications : int
        Applications per block. Memory is bounded by it; the log depends on
        it (a block is a sub-population), so keep the default to reproduce a
        log from its seed.
    progress : bool, optional
        Count the applications on stderr; by default only when stderr is a
        terminal (never in a pipe or a CI log).
    **params
        Overrides of :class:`~hiring_funnel.simulate.model.SimulationParams`.

    Returns
    -------
    list of Path
        The four files, in the order above.

    Examples
    --------
    >>> import tempfile
    >>> paths = simulate_to_files(50, tempfile.mkdtemp(), seed=3, format="parquet")
    >>> [path.name for path in paths]
    ['events.parquet', 'attributes.parquet', 'truth.json', 'mapping.toml']
    """
    n = check_count(n_applications, "n_applications")
    block = check_count(block_applications, "block_applications")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise HiringFunnelError(f"seed must be a non-negative integer, got {seed!r}")
    if format not in FORMATS:
        raise HiringFunnelError(f"unknown format {format!r}", hint="use csv or parquet")
    p = make_params(params)
    plan = plan_blocks(n, seed=seed, params=p, as_of=export_date(p), block=block)
    run = _Run(plan, format, sys.stderr.isatty() if progress is None else progress)
    out = Path(out_dir)
    writers: list[bytes | Writer] = [
        run.write_events,
        run.write_attributes,
        run.write_truth,
        run.mapping(),
    ]
    names = simulated_file_names(format)
    files: dict[Path, bytes | Writer] = {
        out / name: w for name, w in zip(names, writers, strict=True)
    }
    return write_files(files, force=force)
