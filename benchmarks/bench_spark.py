"""Spark ``local[2]`` against DuckDB (issue 11, "Targets"): the same life tables, JVM start included.

A simulated log (``hiring_funnel.simulate``, default 1e6 applications, about 2.2e6
events) is written once as Parquet (``events.parquet``, ``attributes.parquet``;
timestamps in microseconds, Spark's unit). Then, in interleaved order and each in a
fresh interpreter:

- *duckdb* (the reference): ``connect("duckdb", threads=2)``, then
  ``clock_life_tables`` of the Parquet file: the three clocks, overall;
- *spark*: ``connect("spark", master="local[2]")`` (the JVM starts here: its start
  is in the time), then the same call.

Each worker times itself from just before ``connect`` to the collected life tables,
and the whole process is timed from outside too (interpreter start and imports
included). Peak memory is that of the process tree, polled every 0.1 s: Spark's
JVM is a child of the Python driver, so the driver's own peak would miss it. The
script stops with an error unless every life table from Spark equals DuckDB's
(same rows, same counts).

Usage (from the repository root)::

    python benchmarks/bench_spark.py                  # 1e6 applications, 1 run each (~3 min)
    python benchmarks/bench_spark.py --n 2e4,1e6 --write   # two sizes (fixed and per-event
                                                           # costs), rewrite its results.md section
    python benchmarks/bench_spark.py --n 1e5 --repeats 3
    python benchmarks/bench_spark.py --driver-memory 4g   # Spark's heap (default: Spark's 1g)

The Parquet files of each size are kept (``--data``, default the temp folder) and
reused by the next run with the same size and seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402

SEED = 20261203
CLOCKS = ("first_response", "interview_feedback", "decision")


# --- the data, written once ------------------------------------------------------------------


def make_data(folder: Path, n: int, seed: int) -> dict[str, Any]:
    """Simulate ``n`` applications into ``folder`` as Parquet (reused when already there)."""
    meta_path = folder / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta["n"] == n and meta["seed"] == seed:
            return dict(meta)
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hiring_funnel import simulate

    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    log = simulate(n, seed=seed)
    for name, frame in (
        ("events", log.events.drop(columns="line")),
        ("attributes", log.attributes),
    ):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        tmp = folder / f".{name}.parquet.tmp"
        # Microseconds: what Spark reads natively (pandas' nanoseconds it refuses).
        pq.write_table(table, tmp, coerce_timestamps="us")
        os.replace(tmp, folder / f"{name}.parquet")
    meta = {
        "n": n,
        "seed": seed,
        "events": len(log.events),
        "as_of": log.as_of.isoformat(),
        "simulate_s": time.perf_counter() - start,
        "parquet_mb": sum(
            (folder / f"{x}.parquet").stat().st_size for x in ("events", "attributes")
        )
        / 1e6,
    }
    tmp = folder / ".meta.json.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, meta_path)
    return meta


# --- one measured case, in its own interpreter -------------------------------------------------


def worker(engine: str, data: Path, out: Path, master: str, driver_memory: str | None) -> None:
    from hiring_funnel.engine import connect
    from hiring_funnel.engine.lifetable import clock_life_tables

    as_of = pd.Timestamp(json.loads((data / "meta.json").read_text())["as_of"])
    start = time.perf_counter()
    if engine == "spark":
        # The web UI is on (as on a cluster) so that its REST API can tell the shuffle sizes.
        config = {"spark.ui.enabled": "true"}
        if driver_memory:
            config["spark.driver.memory"] = driver_memory
        con = connect("spark", master=master, config=config)
    else:
        con = connect("duckdb", threads=2)
    connected = time.perf_counter()
    tables = clock_life_tables(str(data / "events.parquet"), clocks=CLOCKS, as_of=as_of, con=con)
    done = time.perf_counter()
    with open(out, "wb") as f:
        pickle.dump(tables, f)
    result = {"connect": connected - start, "total": done - start}
    if engine == "spark":
        result.update(stage_metrics(con._session.sparkContext))
        con.disconnect()
    print(json.dumps(result), flush=True)


def stage_metrics(sc: Any) -> dict[str, float]:
    """Shuffle and memory figures of every stage so far, from Spark's REST API (loopback)."""
    import urllib.parse
    import urllib.request

    port = urllib.parse.urlsplit(sc.uiWebUrl).port
    url = f"http://127.0.0.1:{port}/api/v1/applications/{sc.applicationId}/stages"
    with urllib.request.urlopen(url, timeout=30) as response:
        stages = [s for s in json.load(response) if s["status"] == "COMPLETE"]
    return {
        "shuffle_write_mb": sum(s["shuffleWriteBytes"] for s in stages) / 1e6,
        "shuffle_write_rows": sum(s["shuffleWriteRecords"] for s in stages),
        "spill_mb": sum(s["diskBytesSpilled"] for s in stages) / 1e6,
        # peakExecutionMemory of a stage is the sum of its tasks' peaks.
        "task_peak_mb": max(s["peakExecutionMemory"] / max(1, s["numTasks"]) for s in stages) / 1e6,
    }


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 once it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(engine: str, args: argparse.Namespace, data: Path, out: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", engine, "--data", str(data)]
    command += ["--out", str(out), "--master", args.master]
    if args.driver_memory:
        command += ["--driver-memory", args.driver_memory]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"{engine} worker failed (exit {proc.returncode})")
    timings = json.loads(stdout.strip().splitlines()[-1])
    return {**timings, "wall": wall, "peak_mb": peak / 2**20}


def same_tables(a: dict[Any, pd.DataFrame], b: dict[Any, pd.DataFrame]) -> int:
    """Raise unless the two sets of life tables are equal; return their number of rows."""
    if a.keys() != b.keys():
        raise SystemExit(f"different life tables: {sorted(a)} vs {sorted(b)}")
    rows = 0
    for key in a:
        try:
            pd.testing.assert_frame_equal(a[key], b[key])
        except AssertionError as error:
            raise SystemExit(
                f"life table {key} differs between Spark and DuckDB: {error}"
            ) from None
        rows += len(a[key])
    return rows


Results = dict[str, list[dict[str, float]]]


def run_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    data = Path(args.data or tempfile.gettempdir()) / f"hf-bench-spark-{n}-{args.seed}"
    meta = make_data(data, n, args.seed)
    print(
        f"{n:,} applications, {meta['events']:,} events, {meta['parquet_mb']:.0f} MB of Parquet "
        f"in {data}",
        flush=True,
    )
    results: Results = {"duckdb": [], "spark": []}
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            outs = {}
            for engine in ("duckdb", "spark"):
                outs[engine] = Path(tmp) / f"{engine}-{i}.pickle"
                r = measure(engine, args, data, outs[engine])
                results[engine].append(r)
                print(
                    f"run {i + 1} {engine:>6}: {r['total']:6.1f} s (connect {r['connect']:.1f} s), "
                    f"process {r['wall']:.1f} s, peak {r['peak_mb']:,.0f} MB (process tree)",
                    flush=True,
                )
            tables = [pickle.loads(outs[e].read_bytes()) for e in ("spark", "duckdb")]
            rows = same_tables(*tables)
    med = {e: {k: median(r[k] for r in runs) for k in runs[0]} for e, runs in results.items()}
    sp = med["spark"]
    print(
        f"life tables equal: {len(CLOCKS)} clocks, {rows:,} rows. Medians: duckdb "
        f"{med['duckdb']['total']:.1f} s, spark {sp['total']:.1f} s (JVM start "
        f"{sp['connect']:.1f} s, ratio {sp['total'] / med['duckdb']['total']:.1f}); Spark shuffled "
        f"{sp['shuffle_write_mb']:.1f} MB ({1e6 * sp['shuffle_write_mb'] / meta['events']:.1f} "
        f"bytes per event), task peak {sp['task_peak_mb']:.0f} MB, spilled "
        f"{sp['spill_mb']:.0f} MB",
        flush=True,
    )
    return {"meta": meta, "median": med, "rows": rows}


def report(sizes: list[dict[str, Any]], args: argparse.Namespace) -> str:
    import duckdb
    import pyspark

    lines = [
        "## bench_spark: Spark local[2] against DuckDB (issue 11)",
        "",
        f"`python benchmarks/bench_spark.py {shlex.join(sys.argv[1:])}`".replace(" `", "`"),
        f"on {dt.date.today():%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"pyspark {pyspark.__version__} (master {args.master}, driver memory "
        f"{args.driver_memory or 'Spark default 1g'}); medians of {args.repeats} interleaved "
        "run(s), each in a fresh interpreter.",
        "",
        "Work: `clock_life_tables` of a simulated log's `events.parquet`, three clocks, overall; "
        "the life tables from Spark equal DuckDB's (checked, every row and count). Spark's "
        "connect is its JVM start; peak RSS is that of the process tree (Python driver + JVM); "
        "the shuffle figures come from Spark's REST API (all stages).",
        "",
        "| applications | events | life-table rows | engine | connect (s) | connect + life tables (s) "
        "| ratio to DuckDB | whole process (s) | peak RSS (MB) | shuffle write (MB) "
        "| bytes / event | task peak (MB) | spill (MB) |",
        "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sizes:
        meta, med, rows = size["meta"], size["median"], size["rows"]
        ref = med["duckdb"]["total"]
        for engine, m in med.items():
            shuffle = "| - | - | - | - |"
            if engine == "spark":
                per_event = 1e6 * m["shuffle_write_mb"] / meta["events"]
                shuffle = (
                    f"| {m['shuffle_write_mb']:.1f} | {per_event:.1f} | {m['task_peak_mb']:.0f} "
                    f"| {m['spill_mb']:.0f} |"
                )
            lines.append(
                f"| {meta['n']:,} | {meta['events']:,} | {rows:,} | {engine} | {m['connect']:.1f} "
                f"| {m['total']:.1f} | {m['total'] / ref:.1f} | {m['wall']:.1f} "
                f"| {m['peak_mb']:,.0f} {shuffle}"
            )
    return "\n".join(lines)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", default="1e6", help="applications to simulate, e.g. 1e5,1e6")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default=None, help="Spark's heap, e.g. 2g")
    parser.add_argument("--data", default=None, help="folder for the Parquet files (reused)")
    parser.add_argument("--write", action="store_true", help="rewrite its section of results.md")
    parser.add_argument("--worker", choices=("duckdb", "spark"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, Path(args.data), Path(args.out), args.master, args.driver_memory)
        return
    sizes = [run_size(int(float(n)), args) for n in args.n.split(",")]
    if args.write:
        write_section(ROOT / "benchmarks" / "results.md", "bench_spark", report(sizes, args))
        print("wrote benchmarks/results.md")


if __name__ == "__main__":
    cli()
