"""Speed and memory of the estimators (issue 3, "Speed"), measured in one run on the same data.

On episode frames with day-resolution ties (whole days 0..120; causes
``positive`` 25 %, ``rejection`` 35 %, censored 40 %), at each size:

- ours: ``life_table`` + ``kaplan_meier`` + ``cumulative_incidence`` (both
  causes) + ``still_hope`` (``positive``, every day 0..119 to the last day),
  all with intervals, from the episode frame ("incl. life table"); and the
  three estimators alone from that life table ("from life table").
- floor: the same numbers (KM with Greenwood and its log-log interval,
  Aalen-Johansen F_k with cmprsk's variance and its log-log interval,
  still-hope estimate, variance and interval) from one ``numpy.bincount`` and
  array arithmetic, written here without the library.
- scikit-survival ``cumulative_incidence_competing_risks`` (its Aalen variance
  and log-log interval, and point estimates only), and lifelines
  ``AalenJohansenFitter`` for both causes at 1e5 (1e6 with ``--slow``);
  lifelines jitters tied times, so its curves differ slightly from the exact ones.

Every size checks that ours equals the floor (estimates, standard errors and
interval bounds) and scikit-survival (KM and F_k; still-hope points derived
from its curves) to 1e-12, and stops with an error if not. Peak memory is
measured at the largest size, each step in a fresh subprocess (peak RSS
from /proc/self/status, and the ``tracemalloc`` peak of the step). Timings
are repeated in interleaved order and reported as medians; ratios are of
medians from the same run.

Usage (from the repository root, in the project's environment with
scikit-survival installed)::

    python benchmarks/bench_estimators.py                  # 1e5, 1e6, 1e7 (~4 min)
    python benchmarks/bench_estimators.py --write          # ... and rewrite its section of results.md
    python benchmarks/bench_estimators.py --sizes 1e5,1e6 --slow   # lifelines at 1e6 too
    python benchmarks/bench_estimators.py --profile 1e5    # cProfile of ours, top 25 functions
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import re
import shlex
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.estimators import (
    bootstrap,
    cumulative_incidence,
    kaplan_meier,
    still_hope,
)
from hiring_funnel.lifetable import life_table

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or loaded by a test
from _results import write_section

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
SECTION = "bench_estimators"
CAUSES = ["positive", "rejection"]
HOPE_CAUSE = "positive"
LAST_DAY = 120
Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
TOL = 1e-12

# -- data --------------------------------------------------------------------


def make_episodes(n: int, seed: int = 0, *, string_ids: bool = False) -> pd.DataFrame:
    """A canonical episode frame with day ties: whole days 0..120, 25/35/40 % positive/rejection/censored.

    Positive answers come sooner than rejections (log-normal medians 3 and 7
    days, as in DESIGN.md's calibration), censoring is uniform over the
    follow-up. Candidates hold about 7 applications each (the simulator's
    mean); their ids are int64 unless ``string_ids`` (as the clocks make them).
    """
    rng = np.random.default_rng(seed)
    code = rng.choice(np.array([0, 1, -1], dtype=np.int8), size=n, p=[0.25, 0.35, 0.40])
    median_days = np.where(code == 0, 3.0, 7.0)
    event_day = np.floor(median_days * np.exp(rng.standard_normal(n)))
    censor_day = rng.integers(0, LAST_DAY + 1, n).astype(np.float64)
    duration = np.minimum(np.where(code < 0, censor_day, event_day), LAST_DAY)
    del median_days, event_day, censor_day
    candidate: Any = rng.integers(0, max(n // 7, 1), n)
    if string_ids:
        candidate = pd.array(np.char.add("C", candidate.astype(str)).astype(object), "string")
    return pd.DataFrame(
        {
            "candidate_id": candidate,
            "entry": np.zeros(n),
            "duration": duration,
            "cause": pd.Categorical.from_codes(code, categories=CAUSES),
        },
        copy=False,
    )


def save_frame(ep: pd.DataFrame, folder: Path) -> None:
    np.save(folder / "candidate_id.npy", ep["candidate_id"].to_numpy())
    np.save(folder / "duration.npy", ep["duration"].to_numpy())
    np.save(folder / "cause.npy", ep["cause"].cat.codes.to_numpy())


def load_frame(folder: Path) -> pd.DataFrame:
    duration = np.load(folder / "duration.npy")
    return pd.DataFrame(
        {
            "candidate_id": np.load(folder / "candidate_id.npy"),
            "entry": np.zeros(duration.size),
            "duration": duration,
            "cause": pd.Categorical.from_codes(np.load(folder / "cause.npy"), categories=CAUSES),
        },
        copy=False,
    )


# -- the four contenders -----------------------------------------------------


def ours_full(ep: pd.DataFrame) -> dict[str, Any]:
    """The design's path: one life table, three estimators reading it."""
    table = life_table(ep)
    return {"life_table": table, **ours_from_table(table)}


def ours_from_table(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "km": kaplan_meier(table).table,
        "cif": cumulative_incidence(table).table,
        "hope": still_hope(table, cause=HOPE_CAUSE).table,
    }


def _loglog_bounds(est: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # est ** exp(±shift): the log(-log) interval (R's survfit conf.type="log-log").
    a, b = est ** np.exp(shift), est ** np.exp(-shift)
    return np.fmin(a, b), np.fmax(a, b)


def floor(ep: pd.DataFrame) -> dict[str, np.ndarray]:
    """The same estimates from one bincount; assumes whole days, no late entry, no groups."""
    day = ep["duration"].to_numpy().astype(np.int64)
    code = ep["cause"].cat.codes.to_numpy()
    n_causes = len(CAUSES)
    counts = np.bincount(day * (n_causes + 1) + code + 1).reshape(-1, n_causes + 1)
    removed = counts.sum(axis=1)
    keep = removed > 0
    time_ = np.flatnonzero(keep).astype(np.float64)
    counts = counts[keep].astype(np.float64)
    n = np.cumsum(removed[keep][::-1])[::-1].astype(np.float64)
    dk = counts[:, 1:].T  # (causes, times)
    d = dk.sum(axis=0)
    out: dict[str, np.ndarray] = {"time": time_}

    with np.errstate(divide="ignore", invalid="ignore"):
        # Kaplan-Meier, Greenwood, log(-log) interval.
        surv = np.cumprod(1.0 - d / n)
        greenwood = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
        lo, hi = _loglog_bounds(surv, Z95 * np.sqrt(greenwood) / np.log(surv))
        undefined = (surv <= 0) | ~np.isfinite(greenwood)
        out["km"] = surv
        out["km_se"] = np.where(surv > 0, surv * np.sqrt(greenwood), np.nan)
        out["km_lower"] = np.where(surv >= 1, 1.0, np.where(undefined, np.nan, lo))
        out["km_upper"] = np.where(surv >= 1, 1.0, np.where(undefined, np.nan, hi))

        # Aalen-Johansen and cmprsk's delta-method variance, written as the
        # quadratic form var F(t_J) = sum_{j <= J} w_o,j ((F_j - F_J)/S_j)^2
        # + w_k,j (1 + (F_j - F_J)/S_j)^2 (a T x T matrix: T is ~120 days).
        prev = np.r_[1.0, surv[:-1]]
        alive = surv > 0
        inv_s = np.where(alive, 1.0 / np.where(alive, surv, 1.0), 0.0)
        below = np.tri(len(n), dtype=bool)  # row J, column j <= J
        for k, cause in enumerate(CAUSES):
            f = np.cumsum(prev * dk[k] / n)
            other = d - dk[k]
            tie_o = np.where(other > 1, (n - other) / (n - 1.0), 1.0)
            tie_k = np.where(dk[k] > 1, (n - dk[k]) / (n - 1.0), 1.0)
            w_o = np.where((other > 0) & alive, prev**2 * tie_o * other / n**2, 0.0)
            w_k = np.where(dk[k] > 0, prev**2 * tie_k * dk[k] / n**2, 0.0)
            gap = (f[None, :] - f[:, None]) * inv_s[None, :]
            terms = np.where(below, w_o * gap**2 + w_k * (1.0 + gap) ** 2, 0.0)
            var = np.maximum(terms.sum(axis=1), 0.0)
            lo, hi = _loglog_bounds(f, Z95 * np.sqrt(var) / (f * np.log(f)))
            out[f"F_{cause}"] = f
            out[f"F_{cause}_se"] = np.sqrt(var)
            out[f"F_{cause}_lower"] = np.where(f <= 0, 0.0, np.where(f >= 1, 1.0, lo))
            out[f"F_{cause}_upper"] = np.where(f <= 0, 0.0, np.where(f >= 1, 1.0, hi))
            if cause != HOPE_CAUSE:
                continue
            # Still hope after s days, to the last day J: the same terms of row
            # J summed over the days after s, rescaled by 1/S(s)^2.
            horizon = len(n) - 1
            waited = np.arange(0.0, np.ceil(time_[horizon]))
            idx = np.searchsorted(time_, waited, side="right")  # first row after s
            s_at = np.r_[1.0, surv][idx]
            f_at = np.r_[0.0, f][idx]
            tail = np.r_[0.0, np.cumsum(terms[horizon])]
            est = (f[horizon] - f_at) / s_at
            var_h = np.maximum((tail[horizon + 1] - tail[idx]) / s_at**2, 0.0)
            lo, hi = _loglog_bounds(est, Z95 * np.sqrt(var_h) / (est * np.log(est)))
            bad = s_at <= 0
            out["hope_s"] = waited
            out["hope"] = np.where(bad, np.nan, est)
            out["hope_se"] = np.where(bad, np.nan, np.sqrt(var_h))
            out["hope_lower"] = np.where(
                bad, np.nan, np.where(est <= 0, 0.0, np.where(est >= 1, 1.0, lo))
            )
            out["hope_upper"] = np.where(
                bad, np.nan, np.where(est <= 0, 0.0, np.where(est >= 1, 1.0, hi))
            )
    return out


def sksurv_cif(ep: pd.DataFrame, intervals: bool) -> tuple[np.ndarray, ...]:
    from sksurv.nonparametric import cumulative_incidence_competing_risks

    event = ep["cause"].cat.codes.to_numpy().astype(np.int64) + 1  # 0 censored, 1.., as sksurv
    kwargs = {"conf_type": "log-log"} if intervals else {}
    return tuple(cumulative_incidence_competing_risks(event, ep["duration"].to_numpy(), **kwargs))


def lifelines_aj(ep: pd.DataFrame) -> dict[str, pd.DataFrame]:
    from lifelines import AalenJohansenFitter

    event = ep["cause"].cat.codes.to_numpy().astype(np.int64) + 1
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Tied event times were detected ... jittered"
        for k, cause in enumerate(CAUSES, start=1):
            fitter = AalenJohansenFitter(seed=0).fit(ep["duration"], event, event_of_interest=k)
            out[cause] = fitter.cumulative_density_
    return out


# -- checks ------------------------------------------------------------------


def _same(name: str, got: Any, expected: Any, tol: float = TOL) -> float:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        raise AssertionError(f"{name}: shape {got.shape} != {expected.shape}")
    if not np.array_equal(np.isnan(got), np.isnan(expected)):
        raise AssertionError(f"{name}: missing values in different places")
    diff = float(np.nanmax(np.abs(got - expected), initial=0.0))
    if diff > tol:
        raise AssertionError(f"{name}: max |difference| {diff:.3g} > {tol:g}")
    return diff


def check_against_floor(ours: dict[str, Any], ref: dict[str, np.ndarray]) -> float:
    """Max |ours - floor| over every estimate, standard error and bound; raises above 1e-12."""
    worst = _same("life table times", ours["life_table"]["time"], ref["time"], 0.0)
    km = ours["km"]
    for col, key in [("time", "time"), ("estimate", "km"), ("std_error", "km_se")]:
        worst = max(worst, _same(f"KM {col}", km[col], ref[key]))
    worst = max(worst, _same("KM ci_lower", km["ci_lower"], ref["km_lower"]))
    worst = max(worst, _same("KM ci_upper", km["ci_upper"], ref["km_upper"]))
    cif = ours["cif"]
    for cause in CAUSES:
        mine = cif[cif["cause"] == cause]
        worst = max(worst, _same(f"F_{cause} time", mine["time"], ref["time"], 0.0))
        for col, suffix in [
            ("estimate", ""),
            ("std_error", "_se"),
            ("ci_lower", "_lower"),
            ("ci_upper", "_upper"),
        ]:
            worst = max(worst, _same(f"F_{cause} {col}", mine[col], ref[f"F_{cause}{suffix}"]))
    hope = ours["hope"]
    worst = max(worst, _same("still-hope s", hope["time"], ref["hope_s"], 0.0))
    for col, key in [
        ("estimate", "hope"),
        ("std_error", "hope_se"),
        ("ci_lower", "hope_lower"),
        ("ci_upper", "hope_upper"),
    ]:
        worst = max(worst, _same(f"still-hope {col}", hope[col], ref[key]))
    return worst


def check_against_sksurv(ours: dict[str, Any], sk: tuple[np.ndarray, ...]) -> float:
    """KM = 1 - sksurv's total risk, F_k = its risks; still hope from its curves. Raises above 1e-12."""
    time_, inc = sk[0], sk[1]
    worst = _same("sksurv times", time_, ours["km"]["time"], 0.0)
    worst = max(worst, _same("KM vs sksurv", ours["km"]["estimate"], 1.0 - inc[0]))
    cif = ours["cif"]
    for k, cause in enumerate(CAUSES, start=1):
        mine = cif[cif["cause"] == cause]["estimate"]
        worst = max(worst, _same(f"F_{cause} vs sksurv", mine, inc[k]))
    k = CAUSES.index(HOPE_CAUSE) + 1
    hope = ours["hope"]
    idx = np.searchsorted(time_, hope["time"].to_numpy(), side="right") - 1
    f_s = np.where(idx >= 0, inc[k][np.maximum(idx, 0)], 0.0)
    s_s = np.where(idx >= 0, 1.0 - inc[0][np.maximum(idx, 0)], 1.0)
    worst = max(worst, _same("still hope vs sksurv", hope["estimate"], (inc[k][-1] - f_s) / s_s))
    return worst


def lifelines_gap(ours: dict[str, Any], ll: dict[str, pd.DataFrame]) -> tuple[float, float]:
    """Max |ours - lifelines| of F_k at whole days before the last one, and at the last one.

    lifelines breaks ties by moving event times up to 1e-4 day either way;
    censorings stay put. Events moved past the censorings of their day then
    meet a smaller risk set, which matters most on the last day, when every
    episode still open leaves (our frame stops the follow-up at day 120).
    """
    cif = ours["cif"]
    before = last = 0.0
    for cause in CAUSES:
        mine = cif[cif["cause"] == cause]
        curve = ll[cause].iloc[:, 0]
        at = np.searchsorted(curve.index.to_numpy(), mine["time"].to_numpy() + 0.5, side="right")
        gap = np.abs(curve.to_numpy()[at - 1] - mine["estimate"].to_numpy())
        before, last = max(before, float(gap[:-1].max())), max(last, float(gap[-1]))
    return before, last


# -- timing ------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_size(n: int, reps: int, with_lifelines: bool, seed: int) -> dict[str, Any]:
    ep = make_episodes(n, seed)
    table = life_table(ep)
    small = ep.iloc[: min(n, 10_000)]
    contenders: dict[str, Callable[[], Any]] = {
        "ours": lambda: ours_full(ep),
        "ours_from_table": lambda: ours_from_table(table),
        "life_table": lambda: life_table(ep),
        "floor": lambda: floor(ep),
        "sksurv_ci": lambda: sksurv_cif(ep, intervals=True),
        "sksurv_point": lambda: sksurv_cif(ep, intervals=False),
    }
    if with_lifelines:
        contenders["lifelines"] = lambda: lifelines_aj(ep)
    # Warm-up (imports, first-call caches) on the full frame for the fast ones.
    ours_full(ep), floor(ep), sksurv_cif(small, True), sksurv_cif(small, False)
    if with_lifelines:
        lifelines_aj(small.iloc[:1000])
    times: dict[str, list[float]] = {name: [] for name in contenders}
    last: dict[str, Any] = {}
    for _ in range(reps):  # interleaved, so drifts in machine load hit every contender
        for name, fn in contenders.items():
            seconds, last[name] = timed(fn)
            times[name].append(seconds)
    checks = {
        "floor": check_against_floor(last["ours"], last["floor"]),
        "sksurv": check_against_sksurv(last["ours"], last["sksurv_point"]),
        "sksurv_ci_point": check_against_sksurv(last["ours"], last["sksurv_ci"]),
    }
    if with_lifelines:
        checks["lifelines"] = lifelines_gap(last["ours"], last["lifelines"])
    return {
        "n": n,
        "reps": reps,
        "times": times,
        "median": {k: median(v) for k, v in times.items()},
        "checks": checks,
        "life_table_rows": len(table),
    }


def bench_bootstrap(n: int, reps: int, seed: int) -> dict[str, Any]:
    """200 candidate resamples at ``n`` episodes with string candidate ids (as the clocks make them)."""
    ep = make_episodes(n, seed, string_ids=True)
    n_clusters = int(ep["candidate_id"].nunique())
    runs: dict[str, Callable[[], Any]] = {
        "cumulative_incidence": lambda: bootstrap(cumulative_incidence, ep, seed=1),
        "still_hope": lambda: bootstrap(still_hope, ep, seed=1, cause=HOPE_CAUSE),
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(reps):
        for name, fn in runs.items():
            times[name].append(timed(fn)[0])
    return {
        "n": n,
        "clusters": n_clusters,
        "reps": reps,
        "median": {k: median(v) for k, v in times.items()},
        "times": times,
    }


# -- memory (each step in a fresh interpreter) -------------------------------

MEMORY_STEPS = ("frame", "ours", "floor", "sksurv_ci", "bootstrap")


def _status_mb(key: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process from /proc/self/status, in MB."""
    found = re.search(rf"^{key}:\s*(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    if not found:
        raise RuntimeError(f"no {key} in /proc/self/status")
    return int(found.group(1)) / 1024


def child(step: str, folder: Path) -> None:
    """Run one step on the saved frame; print RSS figures (MB) as JSON.

    The peak is VmHWM, reset just before the step (``/proc/self/clear_refs``),
    so it covers the step with the frame already loaded. ``ru_maxrss`` would
    not do here: Linux keeps it across fork and exec, so a child started by
    a parent holding a 1e7 frame reports the parent's peak.
    """
    ep = load_frame(folder)
    if step == "bootstrap":  # as bench_bootstrap: string ids
        ep["candidate_id"] = pd.array(
            np.char.add("C", ep["candidate_id"].to_numpy().astype(str)).astype(object), "string"
        )
    if step == "sksurv_ci":
        import sksurv.nonparametric  # noqa: F401  (its import is not the step's memory)
    steps: dict[str, Callable[[], Any]] = {
        "frame": lambda: None,
        "ours": lambda: ours_full(ep),
        "floor": lambda: floor(ep),
        "sksurv_ci": lambda: sksurv_cif(ep, intervals=True),
        "bootstrap": lambda: bootstrap(still_hope, ep, seed=1, cause=HOPE_CAUSE),
    }
    gc.collect()
    loaded = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    steps[step]()
    peak = _status_mb("VmHWM")
    # A second run under tracemalloc: what the step itself allocates at most.
    gc.collect()
    tracemalloc.start()
    steps[step]()
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(json.dumps({"loaded_mb": loaded, "peak_mb": peak, "traced_mb": traced}))


def measure_memory(n: int, seed: int, steps: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        save_frame(make_episodes(n, seed), Path(tmp))
        for step in steps:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", step, "--data", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            out[step] = {"n": n, **json.loads(proc.stdout.strip().splitlines()[-1])}
    return out


# -- profile -----------------------------------------------------------------


def profile(n: int, seed: int) -> str:
    """cProfile of ours: our functions by cumulative time, then the top 20 by own time."""
    ep = make_episodes(n, seed)
    ours_full(ep)
    prof = cProfile.Profile()
    runs = 20 if n <= 10**6 else 3
    prof.enable()
    for _ in range(runs):
        ours_full(ep)
    prof.disable()
    buf = io.StringIO()
    buf.write(f"{runs} runs of ours at {n:,} episodes\n")
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(r"hiring_funnel|pandas/core/frame.py", 30)
    stats.sort_stats("tottime").print_stats(20)
    return buf.getvalue()


# -- report ------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        cpu = found.group(1).strip() if found else cpu
    ram = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.M)
        ram = f"{int(found.group(1)) / 2**20:.1f} GiB" if found else ram
    versions = {}
    for module in ("numpy", "pandas", "scipy", "sksurv", "lifelines"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = "not installed"
    return {
        "cpu": cpu,
        "cores": f"{len(os.sched_getaffinity(0))} usable of {os.cpu_count()}",
        "ram": ram,
        "python": platform.python_version(),
        **versions,
        "blas env": ", ".join(
            f"{k}={os.environ[k]}"
            for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
            if k in os.environ
        )
        or "none set",
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _size(n: int) -> str:
    return f"1e{round(np.log10(n))}" if n == 10 ** round(np.log10(n)) else f"{n:,}"


def report(
    sizes: list[dict[str, Any]],
    memory: dict[str, Any] | None,
    boot: dict[str, Any] | None,
    command: str,
    elapsed: float,
) -> str:
    lines = [
        "Generated by `benchmarks/bench_estimators.py`; do not edit by hand.",
        "",
        f"- command: `{command}`",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; run took {elapsed / 60:.1f} min",
    ]
    lines += [f"- {k}: {v}" for k, v in machine().items()]
    lines += [
        "",
        "Episodes: whole days 0..120, 25 % positive / 35 % rejection / 40 % censored,",
        "no late entry, one group. *ours* = `life_table` + `kaplan_meier` +",
        "`cumulative_incidence` + `still_hope` (positive, s = 0..119), all with intervals;",
        "*floor* = the same numbers from one `numpy.bincount` (in the script);",
        "*sksurv* = `cumulative_incidence_competing_risks` (CIF only) with log-log",
        "intervals / point estimates only; *lifelines* = `AalenJohansenFitter` per cause",
        "(with its variance; jittered ties). Medians of the repetitions, interleaved;",
        "ratios are of medians from the same run.",
        "",
        "| episodes | reps | ours incl. life table | life table | estimators from life table "
        "| numpy floor | ours / floor | sksurv CIF + CI | sksurv CIF point | sksurv CI / ours "
        "| lifelines AJ | lifelines / ours |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sizes:
        m = r["median"]
        ll = m.get("lifelines")
        ll_ratio = f"{ll / m['ours']:.0f}x" if ll else "-"
        lines.append(
            f"| {_size(r['n'])} | {r['reps']} | {_ms(m['ours'])} | {_ms(m['life_table'])} "
            f"| {_ms(m['ours_from_table'])} | {_ms(m['floor'])} | {m['ours'] / m['floor']:.2f}x "
            f"| {_ms(m['sksurv_ci'])} | {_ms(m['sksurv_point'])} "
            f"| {m['sksurv_ci'] / m['ours']:.0f}x "
            f"| {_ms(ll) if ll else '-'} | {ll_ratio} |"
        )
    lines += [
        "",
        "Agreement (max |difference| over every row; the script stops above 1e-12):",
        "",
        "| episodes | ours vs floor (estimates, SEs, bounds) | ours vs sksurv (KM, F_k, still hope) "
        "| ours vs lifelines F_k (jittered) |",
        "|---|---|---|---|",
    ]
    for r in sizes:
        c = r["checks"]
        gap = c.get("lifelines")
        ll_gap = f"{gap[0]:.1e} before day 120, {gap[1]:.1e} on day 120" if gap else "-"
        lines.append(
            f"| {_size(r['n'])} | {c['floor']:.1e} | {max(c['sksurv'], c['sksurv_ci_point']):.1e} "
            f"| {ll_gap} |"
        )
    if memory:
        lines += [
            "",
            "Memory, each step in a fresh interpreter that loads the frame and runs the step:",
            "*RSS before* is the interpreter, imports and frame (VmRSS); *peak RSS* is VmHWM",
            "reset just before the step, so it is the peak with the frame loaded; *step's own",
            "peak* is the `tracemalloc` peak of a second run of the step. *frame* runs",
            "nothing: the baseline. *bootstrap* is `bootstrap(still_hope, ...)`, 200",
            "resamples, string candidate ids.",
            "",
            "| step | episodes | RSS before the step (interpreter + imports + frame) "
            "| peak RSS | step's own peak |",
            "|---|---|---|---|---|",
        ]
        for step, v in memory.items():
            lines.append(
                f"| {step} | {_size(v['n'])} | {v['loaded_mb']:,.0f} MB | {v['peak_mb']:,.0f} MB "
                f"| {v['traced_mb']:,.0f} MB |"
            )
    if boot:
        lines += [
            "",
            f"Candidate-cluster bootstrap, 200 resamples, {_size(boot['n'])} episodes, "
            f"{boot['clusters']:,} candidates (string ids), median of {boot['reps']}: "
            + "; ".join(f"`{k}` {_ms(v)}" for k, v in boot["median"].items()),
        ]
    lines += ["", "Targets:", ""]
    lines += [f"- {t}" for t in targets(sizes, memory, boot)]
    return "\n".join(lines) + "\n"


def targets(
    sizes: list[dict[str, Any]], memory: dict[str, Any] | None, boot: dict[str, Any] | None
) -> list[str]:
    out = []
    for r in sizes:
        m = r["median"]
        ratio = m["ours"] / m["floor"]
        out.append(
            f"ours within 3x of the floor at {_size(r['n'])}: {ratio:.2f}x, "
            f"{'met' if ratio <= 3 else 'MISSED'}"
        )
    big = [r for r in sizes if r["n"] >= 10**7]
    for r in big:
        speedup = r["median"]["sksurv_ci"] / r["median"]["ours"]
        point = r["median"]["sksurv_point"] / r["median"]["ours"]
        out.append(
            f"ours >= 50x faster than sksurv at {_size(r['n'])}: {speedup:.0f}x against sksurv "
            f"with intervals, {point:.0f}x against its point estimates, "
            f"{'met' if min(speedup, point) >= 50 else 'MISSED'}"
        )
    if memory and "ours" in memory:
        peak = memory["ours"]["peak_mb"]
        out.append(
            f"ours < 1.5 GB peak incl. the frame at {_size(memory['ours']['n'])}: {peak:,.0f} MB, "
            f"{'met' if peak < 1536 else 'MISSED'}"
        )
    if boot:
        worst = max(boot["median"].values())
        out.append(
            f"bootstrap (200 resamples, {_size(boot['n'])}) < 5 s: slowest {_ms(worst)}, "
            f"{'met' if worst < 5 else 'MISSED'}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7", help="comma-separated, e.g. 1e5,1e6")
    parser.add_argument("--reps", type=int, help="repetitions (default 5; 3 from 1e7 on)")
    parser.add_argument("--slow", action="store_true", help="lifelines at 1e6 too (~1 min a run)")
    parser.add_argument("--no-memory", action="store_true", help="skip the subprocess memory runs")
    parser.add_argument("--no-bootstrap", action="store_true", help="skip the bootstrap timing")
    parser.add_argument("--write", action="store_true", help=f"rewrite our section of {RESULTS}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", type=float, metavar="N", help="cProfile ours at N episodes")
    parser.add_argument("--child", choices=MEMORY_STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.data)
        return 0
    if args.profile:
        print(profile(int(args.profile), args.seed))
        return 0
    started = time.perf_counter()
    command = "python benchmarks/bench_estimators.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    sizes = sorted(int(float(s)) for s in args.sizes.split(","))
    results = []
    for n in sizes:
        reps = args.reps or (5 if n < 10**7 else 3)
        lifelines = n <= 10**5 or (args.slow and n <= 10**6)
        ll_note = " (lifelines too)" if lifelines else ""
        print(f"{_size(n)} episodes, {reps} reps{ll_note} ...", flush=True)
        results.append(bench_size(n, reps, lifelines, args.seed))
        m = results[-1]["median"]
        print("  medians: " + ", ".join(f"{k} {_ms(v)}" for k, v in m.items()), flush=True)
        print(f"  max |diff|: {results[-1]['checks']}", flush=True)
    boot = None
    if not args.no_bootstrap:
        n_boot = 10**6
        print(f"bootstrap at {_size(n_boot)} ...", flush=True)
        boot = bench_bootstrap(n_boot, 3, args.seed)
    memory, memory_n = None, sizes[-1]
    if not args.no_memory:
        print(f"memory at {_size(memory_n)} (fresh subprocesses) ...", flush=True)
        steps = tuple(s for s in MEMORY_STEPS if s != "bootstrap" or memory_n <= 10**6)
        memory = measure_memory(memory_n, args.seed, steps)
        if memory_n > 10**6 and not args.no_bootstrap:
            memory.update(measure_memory(10**6, args.seed, ("bootstrap",)))
    text = report(results, memory, boot, command, time.perf_counter() - started)
    print()
    print(text)
    if args.write:
        write_section(RESULTS, SECTION, text)
        print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
