"""Wide files in linear time (issue 10, "Bounded work"): a log with thousands of extra columns.

The issue: 5,000 extra columns took 18 s and printed 9,804 warning lines; 20,000
never finished. Here a simulated log (300 applications, 633 event rows) gets
1,000, 5,000 and 20,000 extra columns of small integers written as text (so
every application has several values in each, the worst case for the
attribute warnings), and at each width the script times, on the same file and
in interleaved order:

- ours: ``read_events`` (read, map, validate, attributes), with
  ``Limits(max_columns=...)`` raised above the default 10,000 for 20,000;
- reference: ``pandas.read_csv(path, dtype=str)`` of the same file, which only
  splits it into cells.

It reports medians, the ratio ours / reference, the microseconds per cell, and
the number of problem lines ``hiring-funnel validate`` prints (one, whatever
the width).

Usage (from the repository root)::

    python benchmarks/bench_wide.py                 # 1,000 / 5,000 / 20,000 columns, 3 repeats
    python benchmarks/bench_wide.py --write         # ... and rewrite its section of results.md
    python benchmarks/bench_wide.py --widths 1000,5000 --repeats 5
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402
from hiring_funnel import simulate  # noqa: E402
from hiring_funnel.cli import main  # noqa: E402
from hiring_funnel.io.limits import Limits  # noqa: E402
from hiring_funnel.io.load import read_events  # noqa: E402

SEED = 20261126


def make_file(folder: Path, width: int) -> tuple[Path, pd.Timestamp, tuple[int, int]]:
    sim = simulate(300, seed=SEED)
    events = sim.events.drop(columns="line").reset_index(drop=True)
    rng = np.random.default_rng(SEED)
    extra = pd.DataFrame(
        rng.integers(0, 100, size=(len(events), width)).astype(str),
        columns=[f"x{i}" for i in range(width)],
    )
    path = folder / f"wide{width}.csv"
    frame = pd.concat([events, extra], axis=1)
    frame.to_csv(path, index=False)
    return path, sim.as_of + pd.Timedelta(hours=1), frame.shape


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def problem_lines(path: Path, as_of: pd.Timestamp, width: int) -> int:
    out = io.StringIO()
    env = os.environ.get("HIRING_FUNNEL_MAX_COLUMNS")
    os.environ["HIRING_FUNNEL_MAX_COLUMNS"] = str(width + 100)
    try:
        with contextlib.redirect_stdout(out):
            main(["validate", str(path), "--as-of", str(as_of)])
    finally:
        if env is None:
            os.environ.pop("HIRING_FUNNEL_MAX_COLUMNS")
        else:
            os.environ["HIRING_FUNNEL_MAX_COLUMNS"] = env
    return sum(1 for line in out.getvalue().splitlines() if line.startswith("  "))


def run(widths: list[int], repeats: int) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for width in widths:
            path, as_of, shape = make_file(Path(folder), width)
            limits = Limits(max_columns=width + 100)
            ours, reference = [], []
            for _ in range(repeats):
                reference.append(timed(lambda p=path: pd.read_csv(p, dtype=str)))
                ours.append(
                    timed(lambda p=path, a=as_of, lim=limits: read_events(p, as_of=a, limits=lim))
                )
            row = {
                "width": width,
                "cells": shape[0] * shape[1],
                "ours": median(ours),
                "reference": median(reference),
                "problems": problem_lines(path, as_of, width),
            }
            rows.append(row)
            print(
                f"{width:>6,} extra columns ({shape[0]} rows x {shape[1]:,}): "
                f"read_events {row['ours']:.2f} s, pandas.read_csv {row['reference']:.2f} s, "
                f"ratio {row['ours'] / row['reference']:.2f}, "
                f"{1e6 * row['ours'] / row['cells']:.2f} us/cell, "
                f"{row['problems']} problem line(s) from validate",
                flush=True,
            )
    return rows


def report(rows: list[dict[str, object]], argv: list[str], repeats: int) -> str:
    lines = [
        "## bench_wide: wide files (issue 10)",
        "",
        f"`python benchmarks/bench_wide.py {shlex.join(argv)}`".replace(" `", "`"),
        f"on {dt.date.today():%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, pandas {pd.__version__}; "
        f"medians of {repeats} interleaved runs.",
        "",
        "| extra columns | cells | read_events (s) | pandas.read_csv (s) | ratio | us/cell "
        "| problem lines |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ours, ref, cells = float(r["ours"]), float(r["reference"]), int(r["cells"])  # type: ignore[arg-type]
        lines.append(
            f"| {r['width']:,} | {cells:,} | {ours:.2f} | {ref:.2f} | {ours / ref:.2f} "
            f"| {1e6 * ours / cells:.2f} | {r['problems']} |"
        )
    lines += [
        "",
        "Before issue 10: 5,000 extra columns took 18 s and printed 9,804 warning lines; "
        "20,000 did not finish.",
    ]
    return "\n".join(lines)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", default="1000,5000,20000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="rewrite its section of results.md")
    args = parser.parse_args()
    widths = [int(float(w)) for w in args.widths.split(",")]
    rows = run(widths, args.repeats)
    if args.write:
        body = report(rows, sys.argv[1:], args.repeats)
        write_section(ROOT / "benchmarks" / "results.md", "bench_wide", body)
        print("wrote benchmarks/results.md")


if __name__ == "__main__":
    cli()
