"""The data path on an engine against a plain DuckDB SQL floor (issue 11, "Targets").

Logs come from the project's simulator (``simulate(n, seed)``, in chunks of at
most 1e6 applications with distinct ids, so 1e7 needs no more memory than
1e6), written as CSV (``write_simulated``, up to 1e6) and as a folder of
Parquet files. Per size and format, each case runs in a fresh interpreter
(its own peak RSS: VmHWM of that process, imports included), in interleaved
order, ``--repeats`` times:

- *floor*: hand-written DuckDB SQL reading the file and computing the decision
  clock's life table counts (first ``applied`` per application, first
  ``offer``/``rejection`` after it, difference of UTC dates, count by day and
  cause);
- *ours, decision*: ``engine.events_table`` -> ``engine.episodes("decision")``
  -> ``engine.life_table``, the same table with the project's rules (ties,
  withdrawn/closed censoring, as_of);
- *ours, report*: ``engine.clock_life_tables``: three clocks, each overall and
  by ``industry`` and by ``company_size`` (9 tables);
- *ours, summary* (CSV): ``hiring-funnel summary events.csv --engine duckdb``
  in-process, with the attributes file and mapping found beside it: reading,
  mapping and validating both files, three clocks, small groups suppressed
  (the issue's first target);
- *pandas* (CSV, up to 1e5): ``read_events`` (read, map, validate) then the
  decision table / the 9 tables of the pandas path.

It prints medians, ratios to the floor and peak RSS. ``--events 1e8`` builds
a log of 1e8 events inside DuckDB with SQL (no simulator) and runs the report
tables under ``memory_limit=4GB`` with a spill directory, once.

Usage (from the repository root)::

    python benchmarks/bench_ingest.py                          # 1e5, 1e6; CSV and Parquet; 3 repeats
    python benchmarks/bench_ingest.py --sizes 1e7 --formats parquet --repeats 1
    python benchmarks/bench_ingest.py --events 1e8             # the spilling run, once
    python benchmarks/bench_ingest.py --write                  # ... and rewrite its section of results.md
    python benchmarks/bench_ingest.py --profile 1e6            # where the report query spends its time
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402

SEED = 20261203
CHUNK = 10**6
BREAKDOWNS = [None, "industry", "company_size"]
SECTION = "bench_ingest"


def _peak_mb() -> float:
    found = re.search(r"^VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(found.group(1)) / 1024 if found else float("nan")


# -- data --------------------------------------------------------------------


def make_data(n: int, folder: Path, csv: bool) -> None:
    """Simulated log of ``n`` applications: Parquet folders (+ CSV up to 1e6), meta.json."""
    import pandas as pd

    import hiring_funnel as hf

    (folder / "events_parquet").mkdir(parents=True, exist_ok=True)
    (folder / "attributes_parquet").mkdir(parents=True, exist_ok=True)
    as_of = None
    events = 0
    for k, start in enumerate(range(0, n, CHUNK)):
        sim = hf.simulate(min(CHUNK, n - start), seed=SEED + k)
        ev, attrs = sim.events.drop(columns="line"), sim.attributes
        if n > CHUNK:  # distinct ids across chunks
            for frame, cols in (
                (ev, ["application_id", "candidate_id"]),
                (attrs, ["application_id"]),
            ):
                for col in cols:
                    frame[col] = (f"k{k}-" + frame[col].astype(str)).astype("string")
        ev.to_parquet(folder / "events_parquet" / f"part-{k:03d}.parquet", index=False)
        attrs.to_parquet(folder / "attributes_parquet" / f"part-{k:03d}.parquet", index=False)
        if csv and n <= CHUNK:
            hf.write_simulated(sim, folder, force=True)
        as_of = sim.as_of if as_of is None else max(as_of, sim.as_of)
        events += len(ev)
    meta = {"as_of": pd.Timestamp(as_of).isoformat(), "applications": n, "events": events}
    (folder / "meta.json").write_text(json.dumps(meta))


def make_events_sql(n_events: float, folder: Path) -> dict[str, Any]:
    """About ``n_events`` events written by DuckDB itself (no simulator), as Parquet.

    Every application is applied; 85 % get a first answer (screen, interview or
    rejection) 0-60 days later; a third of those a decision (offer or
    rejection) 0-40 days after that; 5 % a withdrawal. About 2.2 events per
    application.
    """
    import duckdb

    n_apps = int(n_events / 2.2)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "events.parquet"
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{folder / 'spill'}'")
    con.execute("SET memory_limit = '4GB'")
    con.execute(
        f"""
        COPY (
          WITH apps AS (
            SELECT i, 'A' || i AS application_id, 'C' || (i // 3) AS candidate_id,
                   TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds((hash(i) % 31536000)::BIGINT)
                     AS t0,
                   hash(i * 7 + 1) % 100 AS u, hash(i * 7 + 2) % 100 AS v
            FROM range({n_apps}) r(i)
          )
          SELECT application_id, 'applied' AS event, t0 AS timestamp, candidate_id FROM apps
          UNION ALL
          SELECT application_id,
                 CASE WHEN u < 30 THEN 'rejection' WHEN u < 55 THEN 'screen' ELSE 'interview' END,
                 t0 + to_seconds((hash(i * 7 + 3) % 5184000)::BIGINT), candidate_id
          FROM apps WHERE u < 85
          UNION ALL
          SELECT application_id, CASE WHEN v < 40 THEN 'offer' ELSE 'rejection' END,
                 t0 + to_seconds((5184000 + hash(i * 7 + 4) % 3456000)::BIGINT), candidate_id
          FROM apps WHERE u >= 30 AND u < 85 AND v < 75
          UNION ALL
          SELECT application_id, 'withdrawn', t0 + to_seconds((hash(i * 7 + 5) % 8640000)::BIGINT),
                 candidate_id
          FROM apps WHERE v >= 95
        ) TO '{out}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
        """
    )
    n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
    return {"applications": n_apps, "events": int(n), "as_of": "2025-12-31T00:00:00+00:00"}


# -- cases (each in a fresh interpreter) --------------------------------------


def floor_sql(source: str, as_of: str) -> str:
    return f"""
    WITH ev AS (SELECT application_id, event, CAST(timestamp AS TIMESTAMPTZ) AS ts FROM {source}),
    origin AS (SELECT application_id, min(ts) AS t0 FROM ev WHERE event = 'applied' GROUP BY 1),
    ends AS (
      SELECT e.application_id, arg_min(e.event, e.ts) AS cause, min(e.ts) AS t1
      FROM ev e JOIN origin o USING (application_id)
      WHERE e.event IN ('offer', 'rejection') AND e.ts >= o.t0 AND e.ts <= TIMESTAMPTZ '{as_of}'
      GROUP BY 1
    )
    SELECT epoch_us(coalesce(t1, TIMESTAMPTZ '{as_of}')) // 86400000000
             - epoch_us(t0) // 86400000000 AS day, cause, count(*) AS n
    FROM origin LEFT JOIN ends USING (application_id)
    WHERE t0 <= TIMESTAMPTZ '{as_of}'
    GROUP BY ALL
    """


def checked_floor(con: Any, events: str, attributes: str, as_of: str) -> int:
    """The least checking the issue asks of ``summary``, in hand-written DuckDB SQL.

    Both CSV files read as text and stored (the quarantine needs the cells),
    exact duplicate events (a hash, then a window over the shared hashes),
    missing application ids and timestamps that do not parse, applications on
    more than one row of the attributes file, then the decision clock's life
    table from the stored text. No line numbers, no Python-exact cell rules,
    no candidates, one clock: a lower bound for what ``summary`` must do.
    """

    def header(path: str) -> str:
        with open(path, encoding="utf-8") as f:
            names = f.readline().strip().split(",")
        return ", ".join(f'"{n}"' for n in names)

    cols = header(events)
    text = "header = true, all_varchar = true"
    con.execute(f"CREATE TABLE ev AS SELECT *, hash({cols}) AS h FROM read_csv('{events}', {text})")
    con.execute(
        f"SELECT count(*) FROM (SELECT rowid AS r, min(rowid) OVER (PARTITION BY {cols}) AS f "
        "FROM ev WHERE h IN (SELECT h FROM ev GROUP BY h HAVING count(*) > 1)) WHERE f < r"
    ).fetchall()
    con.execute(
        "SELECT count(*) FILTER (WHERE coalesce(trim(application_id), '') = ''), "
        "count(*) FILTER (WHERE try_cast(timestamp AS TIMESTAMPTZ) IS NULL) FROM ev"
    ).fetchall()
    con.execute(f"CREATE TABLE attrs AS SELECT * FROM read_csv('{attributes}', {text})")
    con.execute(
        "SELECT count(*) FROM (SELECT application_id FROM attrs GROUP BY 1 HAVING count(*) > 1)"
    ).fetchall()
    rows = con.execute(floor_sql("ev", as_of)).fetchall()
    return sum(r[2] for r in rows)


def _sources(folder: Path, fmt: str) -> tuple[str, str]:
    if fmt == "csv":
        return str(folder / "events.csv"), str(folder / "attributes.csv")
    return str(folder / "events_parquet"), str(folder / "attributes_parquet")


def _imports(case: str) -> float:
    """Import what the case needs; the seconds it took (reported apart from the work)."""
    start = time.perf_counter()
    if case in ("floor", "checked_floor"):
        import duckdb  # noqa: F401
    else:
        import ibis  # noqa: F401

        import hiring_funnel  # noqa: F401
        from hiring_funnel.engine import connect

        if case != "pandas" and not case.startswith("pandas"):
            connect().disconnect()  # loads the DuckDB backend of Ibis
    return time.perf_counter() - start


def run_case(case: str, folder: Path, fmt: str, engine_opts: dict[str, str]) -> dict[str, Any]:
    meta = json.loads((folder / "meta.json").read_text())
    as_of = meta["as_of"]
    events, attributes = _sources(folder, fmt)
    imports = _imports(case)
    start = time.perf_counter()
    if case == "floor":
        import duckdb

        con = duckdb.connect()
        scan = (
            f"read_csv('{events}', header = true)"
            if fmt == "csv"
            else f"read_parquet('{events}/*.parquet')"
        )
        rows = con.execute(floor_sql(scan, as_of)).fetchall()
        episodes = sum(r[2] for r in rows)
    elif case == "checked_floor":
        import duckdb

        episodes = checked_floor(duckdb.connect(), events, attributes, as_of)
    elif case in ("decision", "report"):
        from hiring_funnel.engine import clock_life_tables, connect, events_table, life_table
        from hiring_funnel.engine import episodes as engine_episodes

        con = connect(**engine_opts)  # type: ignore[arg-type]
        t = events_table(events, con)
        if case == "decision":
            table = life_table(engine_episodes(t, "decision", as_of=as_of))
        else:
            tables = clock_life_tables(
                t, by=BREAKDOWNS, attributes=attributes, as_of=as_of, con=con
            )
            table = tables[("decision", ())]
        episodes = int(table["at_risk"].iloc[0]) if len(table) else 0
    elif case == "summary":
        # The first target: `hiring-funnel summary LOG --engine duckdb` on the
        # CSV with its attributes and mapping beside it (reading, mapping and
        # validation included), printed output discarded.
        import contextlib
        import io

        from hiring_funnel.cli import main as cli

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            if cli(["summary", events, "--engine", "duckdb"]) != 0:
                raise SystemExit("summary failed")
        found = re.search(r"^decision\s+all\s+([\d,]+)", out.getvalue(), re.M)
        episodes = int(found.group(1).replace(",", "")) if found else -1
    elif case in ("pandas_decision", "pandas_report"):
        import hiring_funnel as hf

        log = hf.read_events(events, attributes=attributes, mapping=folder / "mapping.toml")
        clocks = ["decision"] if case == "pandas_decision" else list(hf.CLOCKS)
        for clock in clocks:
            ep = hf.episodes(log, clock)
            for by in [None] if case == "pandas_decision" else BREAKDOWNS:
                table = hf.life_table(ep, by=by)
                if clock == "decision" and by is None:
                    episodes = int(table["at_risk"].iloc[0])
    else:
        raise SystemExit(f"unknown case {case}")
    return {
        "seconds": time.perf_counter() - start,
        "import_s": imports,
        "peak_mb": _peak_mb(),
        "episodes": episodes,
    }


def spawn(case: str, folder: Path, fmt: str, engine_opts: dict[str, str]) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", case, "--data", str(folder), "--format", fmt]
    argv += ["--engine-opts", json.dumps(engine_opts)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{case} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- the runs ----------------------------------------------------------------


def cases_for(n: int, fmt: str) -> list[str]:
    out = ["floor", "decision", "report"]
    if fmt == "csv":
        out[1:1] = ["checked_floor"]
        out.append("summary")
    if fmt == "csv" and n <= 10**5:
        out += ["pandas_decision", "pandas_report"]
    return out


def bench(
    sizes: list[int], formats: list[str], repeats: int, tmp: Path, big_repeats: int
) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        folder = tmp / f"n{n}"
        fmts = [f for f in formats if f == "parquet" or n <= CHUNK]
        if not (folder / "meta.json").exists():
            print(f"simulating {n:,} applications ...", flush=True)
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--make", str(n), "--data", str(folder)]
                + (["--csv"] if "csv" in fmts else []),
                check=True,
            )
            print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
        meta = json.loads((folder / "meta.json").read_text())
        for fmt in fmts:
            got: dict[str, list[dict[str, Any]]] = {c: [] for c in cases_for(n, fmt)}
            for _ in range(repeats if n < 10**7 else big_repeats):
                for case in got:
                    got[case].append(spawn(case, folder, fmt, {}))
                    last = got[case][-1]
                    print(
                        f"  {n:.0e} {fmt:7s} {case:16s} {last['seconds']:7.2f} s "
                        f"(+{last['import_s']:.1f} s imports) "
                        f"{last['peak_mb']:7.0f} MB  episodes {last['episodes']:,}",
                        flush=True,
                    )
            floor = median(r["seconds"] for r in got["floor"])
            checked = (
                median(r["seconds"] for r in got["checked_floor"])
                if "checked_floor" in got
                else None
            )
            for case, runs in got.items():
                secs = median(r["seconds"] for r in runs)
                rows.append(
                    {
                        "applications": n,
                        "events": meta["events"],
                        "format": fmt,
                        "case": case,
                        "seconds": secs,
                        "ratio": secs / floor,
                        "ratio_checked": None if checked is None else secs / checked,
                        "import_s": median(r["import_s"] for r in runs),
                        "peak_mb": max(r["peak_mb"] for r in runs),
                        "episodes": runs[0]["episodes"],
                    }
                )
    return rows


def bench_events(n_events: float, tmp: Path) -> dict[str, Any]:
    folder = tmp / "sql_events"
    print(f"building {n_events:.0e} events in DuckDB ...", flush=True)
    t0 = time.perf_counter()
    meta = make_events_sql(n_events, folder)
    build = time.perf_counter() - t0
    (folder / "meta.json").write_text(json.dumps(meta))
    print(f"  {meta['events']:,} events in {build:.0f} s", flush=True)
    opts = {"memory_limit": "4GB", "temp_directory": str(folder / "spill")}
    src = folder / "events_parquet"
    src.mkdir(exist_ok=True)
    os.replace(folder / "events.parquet", src / "part-000.parquet")
    got = spawn("report_no_attributes", folder, "parquet", opts)
    return {**meta, "build_seconds": build, **got}


# -- profile -----------------------------------------------------------------


def profile(folder: Path) -> str:
    """DuckDB's operator timings (CPU seconds, all threads) for the report tables' query."""
    import hiring_funnel.engine.lifetable as lifetable
    from hiring_funnel.engine import connect, events_table

    meta = json.loads((folder / "meta.json").read_text())
    events, attributes = _sources(folder, "parquet")
    out = folder / "profile.json"
    con = connect()
    t = events_table(events, con)
    con.raw_sql("PRAGMA enable_profiling = 'json'")
    con.raw_sql(f"PRAGMA profiling_output = '{out}'")
    start = time.perf_counter()
    tables = lifetable.clock_life_tables(
        t, by=BREAKDOWNS, attributes=attributes, as_of=meta["as_of"], con=con
    )
    wall = time.perf_counter() - start
    con.raw_sql("PRAGMA disable_profiling")
    lines = [f"report tables ({len(tables)}) in {wall:.2f} s wall; operators of the last query:"]

    def walk(node: dict[str, Any], depth: int) -> None:
        info = node.get("extra_info", {})
        what = info.get("Projections") or info.get("Aggregates") or ""
        lines.append(
            f"{'  ' * depth}{node.get('name')}: {node.get('timing', 0):.2f} s CPU, "
            f"{node.get('operator_cardinality', node.get('intermediate_rows', ''))} rows {str(what)[:100]}"
        )
        for child in node.get("children", []):
            walk(child, depth + 1)

    for node in json.loads(out.read_text())["operator"]:
        walk(node, 0)
    return "\n".join(lines)


# -- report ------------------------------------------------------------------


def machine() -> str:
    import duckdb
    import ibis

    cpu = "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    if found:
        cpu = found.group(1).strip()
    return (
        f"{cpu}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, Ibis {ibis.__version__}"
    )


def report(rows: list[dict[str, Any]], big: dict[str, Any] | None, argv: list[str]) -> str:
    lines = [
        "## bench_ingest: the data path on an engine against a DuckDB SQL floor (issue 11)",
        "",
        f"`python benchmarks/bench_ingest.py {shlex.join(argv)}` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}; load average "
        f"{os.getloadavg()[0]:.1f} at the end (other jobs on the machine inflate every "
        "figure; the ratios compare runs made in the same conditions).",
        "Each case in a fresh interpreter; seconds are medians of the work after the imports "
        "(imports apart: `import hiring_funnel` loads scipy and matplotlib), peak RSS the "
        "largest VmHWM (whole process, imports included). *floor*: hand-written DuckDB SQL, decision clock's "
        "life table counts. *checked_floor* (CSV): hand-written DuckDB SQL doing the least "
        "checking the issue asks of summary (both files stored as text, exact duplicate events, "
        "missing ids, unparseable timestamps, repeated attribute ids, then the decision table; "
        "no line numbers, no Python-exact cell rules, no candidates, one clock), a lower bound "
        "for summary; *x checked* is the ratio to it. *decision*: engine events_table -> episodes -> life_table. *report*: "
        "engine clock_life_tables, 3 clocks x (overall, industry, company_size). *summary*: "
        "`hiring-funnel summary events.csv --engine duckdb` in-process (reading, mapping and "
        "validating the CSV and its attributes file, three clocks, min_group 5). *pandas*: "
        "read_events + the pandas path (CSV only, up to 1e5).",
        "",
        "| applications | events | format | case | seconds | x floor | x checked | imports s "
        "| peak RSS MB |",
        "|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['applications']:,} | {r['events']:,} | {r['format']} | {r['case']} | "
            f"{r['seconds']:.2f} | {r['ratio']:.2f} | "
            f"{'' if r.get('ratio_checked') is None else format(r['ratio_checked'], '.2f')} | "
            f"{r['import_s']:.1f} | {r['peak_mb']:.0f} |"
        )
    if big:
        lines += [
            "",
            f"1e8-event run: {big['events']:,} events ({big['applications']:,} applications) "
            f"built by DuckDB SQL in {big['build_seconds']:.0f} s; the 3 clocks' life tables "
            f"from Parquet with `memory_limit=4GB` and a spill directory: "
            f"{big['seconds']:.1f} s, peak RSS {big['peak_mb']:.0f} MB.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e5,1e6", help="applications, comma-separated")
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-repeats", type=int, default=1, help="repeats from 1e7 on")
    parser.add_argument("--events", type=float, help="also the spilling run with this many events")
    parser.add_argument("--tmp", help="keep the generated data in this folder (reused)")
    parser.add_argument("--write", action="store_true", help="rewrite its section of results.md")
    parser.add_argument(
        "--profile", type=float, help="print DuckDB's operator timings of the report query"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--make", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--csv", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="parquet", help=argparse.SUPPRESS)
    parser.add_argument("--engine-opts", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make:
        make_data(int(args.make), Path(args.data), args.csv)
        return 0
    if args.child:
        opts = json.loads(args.engine_opts)
        case = args.child
        if case == "report_no_attributes":  # the SQL-built log has no attributes
            out = run_case_no_attributes(Path(args.data), opts)
        else:
            out = run_case(case, Path(args.data), args.format, opts)
        print(json.dumps(out))
        return 0
    if args.profile:
        folder = Path(args.tmp or tempfile.mkdtemp()) / f"n{int(args.profile)}"
        if not (folder / "meta.json").exists():
            make_data(int(args.profile), folder, csv=False)
        print(profile(folder))
        return 0
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.tmp:
        Path(args.tmp).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.tmp) as scratch:
        tmp = Path(args.tmp) if args.tmp else Path(scratch)
        rows = bench(sizes, formats, args.repeats, tmp, args.big_repeats) if sizes else []
        big = bench_events(args.events, Path(scratch)) if args.events else None
    text = report(rows, big, sys.argv[1:] if argv is None else argv)
    print(text)
    if args.write:
        write_section(ROOT / "benchmarks" / "results.md", SECTION, text)
        print("wrote benchmarks/results.md")
    return 0


def run_case_no_attributes(folder: Path, opts: dict[str, str]) -> dict[str, Any]:
    """The three clocks' overall life tables of the SQL-built log (no attributes)."""
    from hiring_funnel.engine import clock_life_tables, connect, events_table

    meta = json.loads((folder / "meta.json").read_text())
    imports = _imports("report")
    start = time.perf_counter()
    con = connect(**opts)  # type: ignore[arg-type]
    tables = clock_life_tables(
        events_table(str(folder / "events_parquet"), con), as_of=meta["as_of"], con=con
    )
    table = tables[("decision", ())]
    return {
        "seconds": time.perf_counter() - start,
        "import_s": imports,
        "peak_mb": _peak_mb(),
        "episodes": int(table["at_risk"].iloc[0]),
    }


if __name__ == "__main__":
    sys.exit(main())
