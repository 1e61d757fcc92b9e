"""Cost of the per-candidate (clustered) intervals against the plain ones (issue 15, item 2).

On one episode frame (whole days 0..120; causes ``positive`` 25 %,
``rejection`` 35 %, censored 40 %; each episode belongs to one of
``n / 5`` candidates drawn at random, so most candidates hold several), the
same three calls are timed twice, from the episodes:

- plain: ``kaplan_meier``, ``cumulative_incidence`` and ``still_hope``
  (``positive``, every day 0..119) with ``cluster=None`` (Greenwood and
  cmprsk's delta method: episodes independent);
- by candidate: the same with ``cluster="candidate_id"`` (the default for
  such a frame): infinitesimal-jackknife variances summed per candidate on
  every day, twice: with the candidate ids categorical (what the clocks give:
  the variances read the codes; the engine's lean integer codes are used the
  same way) and as plain strings (a frame built by hand: every call hashes
  every id);
- both again on the frame with a ``last_day_share`` for every open episode
  (uniform on 0..1), as the clocks give it by default
  (:mod:`hiring_funnel.day_boundary`): the life table and the walk then take
  each open episode as two weighted rows.

The estimates of both must be equal (the script stops otherwise); the
clustered standard errors are checked against
``influence_functions(...).std_error()`` at a few days. Timings are repeated
in interleaved order; medians and the ratio of medians are reported. The
target (issue 15): at 1e6 episodes the clustered calls within 3x of the
plain ones. Every by-candidate run of the three calls starts with nothing
kept (``forget_kept``), so only its own later calls reuse the first one's
grid and sort; "one call alone" times each call as the first on the frame
against the same call with ``cluster=None``.

Profile at 1e6 (cProfile and perf_counter around the pieces, one call each,
on the shared 2-core machine, so +-30 %). Before (three calls 0.258 s
against 0.030 s plain): every call rebuilt the day grid (``day_grid``,
9-13 ms), grouped the rows by candidate inside the walk (counting sort by
candidate, 19 ms, then an insertion sort of each candidate's rows, 12 ms)
and walked them once per product (kaplan_meier, 3 products: 38 ms for sort
and walk; still_hope, 10 products: 54-75 ms). After: the walk keeps m + 1
sums per (day, kind) cell instead of one per product (still_hope costs about
what kaplan_meier does per row); the rows are sorted once by block of 8192
candidates and cell (7-11 ms, no grouping by candidate) and each block's rows
walked in day order with the block's sums in the core's cache (4-6 ms for
kaplan_meier, 8-10 ms for still_hope); the grid, rows and sort of a frame are
kept for the next call on an equal frame (checked element for element in one
compiled pass, about 2 ms). A first call: grid and rows 15-20 ms, sort 7-11
ms, walk 4-10 ms, on top of the plain call's 10 ms.

Later (issue 15, with the day boundary's shares; same machine): arrays of
8 MB allocated inside a compiled kernel cost ~2000 page faults each (numba
asks for no huge pages, numpy does), so the kernels fill numpy's arrays
(last_day_grid 26.7 -> 13.1 ms); the sort writes no weights when all are 1
(10 -> 5.4 ms); and by candidate on one group the estimator reads its counts
off the day grid instead of counting a life table too, and the same call's
variance takes the rows just made without comparing the frame again (KM alone
by candidate 44.6 -> 32.4 ms). Kaplan-Meier alone by candidate on the frame
with shares, cProfile: checks 4 ms, grid 20 (its kernel 11-13), rows 7, sort
25, walk 6-12, against 20 ms plain.

Then (one call alone, another VM of the same kind: 2 cores, 1 MB L2, 32 MB
L3): blocks of 2**18 clusters instead of 2**13 (the sort scatters into 363
keys, not 9075: 19-25 -> 10-13 ms with shares, for a walk 2-3 ms slower);
whole days counted in one compiled pass (cast, check and two bincounts 6.3 ->
1.4 ms) and the day grid moved to its own module; the day boundary's two rows
of a censored episode sorted as one row that the walk takes twice (1.4e6 ->
1e6 rows: sort 12 -> 8.7 ms, still_hope's walk 13.6 -> 12.1); each cluster's
row weight added up by the sort with shares (3.6 ms against 5.1) and a plain
bincount without. still_hope alone by candidate on whole days, line profile
(10 calls): grid 5 ms, beta 1.5, sort 4-7, walk 8-16 (the fixed sum's pass
about a third), checks 1.5, the rest about 4; against 9-13 ms plain. The
machine's speed moved by up to 1.5x between runs minutes apart, so only the
ratios of interleaved runs are compared.

Usage (from the repository root)::

    python benchmarks/bench_by_candidate.py                 # 1e5 and 1e6, 5 repeats
    python benchmarks/bench_by_candidate.py --sizes 1e5,1e6 --repeats 7 --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import hiring_funnel as hf
from hiring_funnel.estimators.by_candidate import forget_kept

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cause = rng.choice(
        np.array(["positive", "rejection", ""], dtype=object), n, p=[0.25, 0.35, 0.4]
    )
    return pd.DataFrame(
        {
            "candidate_id": pd.array(
                rng.integers(0, max(n // 5, 1), n).astype(str), dtype="string"
            ),
            "entry": 0.0,
            "duration": rng.integers(0, 121, n).astype(float),
            "cause": pd.Categorical(
                np.where(cause == "", None, cause), categories=["positive", "rejection"]
            ),
        }
    )


def with_shares(ep: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The frame as the clocks give it by default: each open episode's share of its last day."""
    share = np.random.default_rng(seed + 1).uniform(0.0, 1.0, len(ep))
    return ep.assign(last_day_share=np.where(ep["cause"].isna(), share, 1.0))


CALLS = {
    "kaplan_meier": lambda ep, cluster: hf.kaplan_meier(ep, cluster=cluster),
    "cumulative_incidence": lambda ep, cluster: hf.cumulative_incidence(ep, cluster=cluster),
    "still_hope": lambda ep, cluster: hf.still_hope(
        ep, cause="positive", waited=np.arange(120.0), cluster=cluster
    ),
}


def run(ep: pd.DataFrame, cluster: str | None) -> list[pd.DataFrame]:
    forget_kept()  # every run starts cold: only its own calls share the grid and sort
    return [call(ep, cluster).table for call in CALLS.values()]


def timed(f: Callable[..., object], *args: object) -> float:
    t0 = time.perf_counter()
    f(*args)
    return time.perf_counter() - t0


def check(ep: pd.DataFrame) -> None:
    plain, ours = run(ep, None), run(ep, "candidate_id")
    for a, b in zip(plain, ours, strict=True):
        if not np.array_equal(a["estimate"].to_numpy(), b["estimate"].to_numpy(), equal_nan=True):
            raise SystemExit("the clustered call changed an estimate")
    days = np.array([0.0, 7.0, 30.0, 90.0])
    ref = hf.influence_functions(ep, days).std_error()
    km = ours[0].set_index("time")["std_error"].loc[days].to_numpy()
    cif = ours[1][ours[1]["cause"] == "positive"].set_index("time")["std_error"].loc[days]
    if not (np.allclose(km, ref[:, 0], rtol=1e-10) and np.allclose(cif, ref[:, 1], rtol=1e-10)):
        raise SystemExit("clustered standard errors differ from influence_functions")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1e5,1e6")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--write", action="store_true", help="rewrite its section of results.md")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    lines = [
        "| episodes | candidates | plain (s, median) | by candidate, categorical ids (s) | ratio "
        "| by candidate, string ids (s) | ratio | one call alone, ratio: KM / CIF / hope "
        "| with last-day shares: plain (s) | by candidate (s) | ratio "
        "| with shares, one call alone: KM / CIF / hope |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in [int(float(s)) for s in args.sizes.split(",")]:
        ep = frame(size, args.seed)
        check(ep)
        coded = ep.assign(candidate_id=ep["candidate_id"].astype("category"))
        check(coded)
        shared = with_shares(coded, args.seed)
        check(shared)
        runs = {
            "plain": (ep, None),
            "categorical": (coded, "candidate_id"),
            "strings": (ep, "candidate_id"),
            "shares plain": (shared, None),
            "shares": (shared, "candidate_id"),
        }
        run(coded, "candidate_id")  # compiled (or read from numba's cache) before timing
        alone_on = {"": coded, " shares": shared}
        times: dict[str, list[float]] = {
            k: []
            for k in [
                *runs,
                *(f"{c}{f}{cold}" for c in CALLS for f in alone_on for cold in ("", " cold")),
            ]
        }
        for _ in range(args.repeats):
            for name, (frame_, cluster) in runs.items():
                times[name].append(timed(run, frame_, cluster))
            # Each call alone on a frame seen for the first time (nothing kept).
            for name, call in CALLS.items():
                for on, frame_ in alone_on.items():
                    times[f"{name}{on}"].append(timed(call, frame_, None))
                    forget_kept()
                    times[f"{name}{on} cold"].append(timed(call, frame_, "candidate_id"))
        med = {k: statistics.median(v) for k, v in times.items()}
        plain, codes, strings = med["plain"], med["categorical"], med["strings"]
        alone, alone_shares = (
            " / ".join(f"{med[f'{c}{on} cold'] / med[f'{c}{on}']:.2f}" for c in CALLS)
            for on in alone_on
        )
        n_cand = ep["candidate_id"].nunique()
        lines.append(
            f"| {size:,} | {n_cand:,} | {plain:.3f} | {codes:.3f} | {codes / plain:.2f} "
            f"| {strings:.3f} | {strings / plain:.2f} | {alone} "
            f"| {med['shares plain']:.3f} | {med['shares']:.3f} "
            f"| {med['shares'] / med['shares plain']:.2f} | {alone_shares} |"
        )
        print(lines[-1], flush=True)
    took = time.perf_counter() - started
    command = "python benchmarks/bench_by_candidate.py " + shlex.join(argv or sys.argv[1:])
    body = "\n".join(
        [
            "## bench_by_candidate: intervals by candidate against plain ones (issue 15)",
            "",
            f"`{command.strip()}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {took:.0f} s. "
            "kaplan_meier + cumulative_incidence + still_hope (every day 0..119) from the "
            f"episodes, {args.repeats} interleaved repeats, each by-candidate run from nothing "
            "kept; one call alone: each call's first on the frame against its plain call. "
            "Target: ratio at most 3 at 1e6.",
            "",
            *lines,
        ]
    )
    print(body)
    if args.write:
        write_section(Path(__file__).with_name("results.md"), "bench_by_candidate", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
