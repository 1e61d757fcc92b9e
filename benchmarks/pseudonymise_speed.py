"""Pseudonymisation keeps up (issue 14, item 2): at least 1e6 rows a minute through DuckDB.

Simulates a raw export of N rows (seeded: application id, candidate email,
phone and name, two dates, a category and a free-text note; about three rows
per candidate), then, interleaved, ``--repeats`` times:

- *ours*: ``hiring-funnel pseudonymise RAW --key-file K --out DIR --engine duckdb``
  in a fresh interpreter (start-up, key checks, both scans, COPY, the atomic
  move and the manifest all counted);
- *floor*: one DuckDB ``COPY (SELECT sha256(application_id), sha256(email),
  sha256(phone), sha256(full_name), applied, answered, industry FROM
  read_csv(RAW, all_varchar = true)) TO ...`` in this process: a plain hash
  and one scan, what no keyed pseudonymisation can beat.

Prints the median wall time, rows per minute and the ratio ours / floor.

Usage (from the repository root)::

    python benchmarks/pseudonymise_speed.py                  # 1e6 rows, 3 repeats
    python benchmarks/pseudonymise_speed.py --rows 2e6 --repeats 5
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 14


def simulate_export(n: int, path: Path, seed: int = SEED) -> None:
    """A raw export of ``n`` rows with identifiers, dates, a category and notes."""
    rng = np.random.default_rng(seed)
    people = max(n // 3, 1)
    who = rng.integers(0, people, n)
    applied = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    answered = applied + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s")
    frame = pd.DataFrame(
        {
            "application_id": [f"A{i:09d}" for i in range(n)],
            "email": [f"person{w}@example{w % 97}.com" for w in who],
            "phone": [f"+44 7700 {w:07d}" for w in who],
            "full_name": [f"Name{w} Surname{w % 1013}" for w in who],
            "applied": applied.strftime("%Y-%m-%d"),
            "answered": answered.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "industry": rng.choice(
                ["retail", "software", "finance", "health", "rare"],
                n,
                p=[0.3, 0.3, 0.2, 0.19999, 0.00001],
            ),
            "notes": [f"talked about role {i} and next steps with the team" for i in range(n)],
        }
    )
    frame.to_csv(path, index=False)


def run_ours(raw: Path, key: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "hiring_funnel",
            "pseudonymise",
            str(raw),
            "--key-file",
            str(key),
            "--out",
            str(out),
            "--engine",
            "duckdb",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def run_floor(raw: Path, out: Path) -> float:
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "COPY (SELECT sha256(application_id) AS application_id, sha256(email) AS email, "
        "sha256(phone) AS phone, sha256(full_name) AS full_name, applied, answered, industry "
        f"FROM read_csv('{raw}', all_varchar = true)) TO '{out}' (FORMAT csv, HEADER true)"
    )
    con.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = int(args.rows)
    from hiring_funnel.pseudonymisation.keys import write_key

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw = folder / "raw.csv"
        t0 = time.perf_counter()
        simulate_export(n, raw)
        print(
            f"simulated {n:,} rows ({raw.stat().st_size / 2**20:.0f} MiB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        (folder / "secret").mkdir()
        key = write_key(folder / "secret" / "k.key")
        ours, floor = [], []
        for _ in range(args.repeats):
            ours.append(run_ours(raw, key, folder / "out"))
            floor.append(run_floor(raw, folder / "floor.csv"))
        m_ours, m_floor = median(ours), median(floor)
        print(
            f"ours  (pseudonymise --engine duckdb): median {m_ours:.2f} s, "
            f"{n / m_ours * 60:,.0f} rows/minute  runs: {', '.join(f'{t:.2f}' for t in ours)}"
        )
        print(
            f"floor (DuckDB COPY with sha256):      median {m_floor:.2f} s, "
            f"{n / m_floor * 60:,.0f} rows/minute  runs: {', '.join(f'{t:.2f}' for t in floor)}"
        )
        print(f"ratio ours / floor: {m_ours / m_floor:.1f}")
        print(f"target 1e6 rows/minute: {'met' if n / m_ours * 60 >= 1e6 else 'NOT met'}")


if __name__ == "__main__":
    main()
