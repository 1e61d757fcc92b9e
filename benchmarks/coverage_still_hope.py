"""Coverage of the still-hope interval on simulated logs whose truth is known (issue 3, "Correctness").

For each replicate r = 0..R-1: ``simulate(n, seed=r, office_hours=False)``
(no weekend or working-hours shift, so the true curves are exact), episodes
on the ``first_response`` clock (causes ``positive`` and ``rejection``), and
``still_hope(episodes, cause, waited=(0, 3, 7, 14), horizon=30)``. Its 95 %
interval is compared with the true chance

    P(cause by day tau | no answer by day s) = (F_k(tau) - F_k(s)) / (1 - F_pos(s) - F_rej(s)).

The day convention
------------------
The clocks count calendar days: duration = (UTC date of the answer) - (UTC
date of the application), so "duration t" means "answered on day t", and the
estimator's F(t) is P(D <= t) for that whole-day D. The simulator draws an
application time A spread over many days, so its time of day U = A - floor(A)
is uniform on [0, 1) and independent of the waiting time T, and
D = floor(U + T). Hence

    P(D <= t) = P(T < t + 1 - U) = integral over u in [0, 1) of F(t + 1 - u) du
              = the mean of F over [t, t + 1],

neither F(t) = P(T <= t) nor F(t + 1) = P(T < t + 1) but between them.
:func:`day_cif` evaluates it with 32-point Gauss-Legendre quadrature of
:func:`hiring_funnel.simulate.true_first_response_cif`. The script checks the
convention on a large uncensored simulation (empirical P(D <= t) against the
three candidates) and reports the bias of the estimates under each.

Which truth
-----------
``true_first_response_cif`` averages over covariate combinations, either the
population mix (``attributes=None``) or a sample's applications. The
estimator's target in a sample is the average over the sample's applications
(censoring is independent of the covariates, so Aalen-Johansen converges to
that average): its fluctuation around it is what the interval has to cover.
The population truth adds the sampling of the covariate mix, which is
clustered (company size and industry are drawn per company, role level per
candidate), so the headline coverage conditions on each sample's attributes
(:func:`~hiring_funnel.simulate.true_first_response_cif` with
``attributes=log.attributes``), and the population coverage is reported
beside it. The candidate quality z is integrated out in both.

Designs
-------
- ``independent``: no candidate effect (``ghost_candidate_effect = 0``,
  ``positive_candidate_effect = 0``): given the covariates, applications are
  independent, as the variance with ``cluster=None`` assumes.
- ``candidate``: the simulator's defaults: a candidate's applications share
  a quality z that moves both ghosting and the chance of a positive answer,
  so they are correlated; the same seeds, so the two designs are paired. The
  first ``--bootstrap-reps`` replicates also get the candidate-cluster
  bootstrap interval (``bootstrap(still_hope, ..., cluster="candidate_id")``,
  200 resamples, percentile).
- ``end_of_day``: as ``independent`` but every censoring at the end of its
  day (no withdrawals or closings, as-of time 23:59:59 instead of 17:00). With
  whole days, an application censored during day C counts as having waited
  all of day C without an answer, although answers later that day were not
  observable; this biases the estimates down a little. Comparing this design
  with ``independent`` measured that bias. The clocks' default rule
  (``day_boundary="time_of_day"``, :mod:`hiring_funnel.day_boundary`)
  counts such an application at risk on day C only with the share of day
  C's answers that come before its censoring time of day, which removes it;
  in this design every share is 1 and the rule is whole days.
  ``benchmarks/day_boundary_bias.py`` measures what is left of the bias at
  1e6 episodes, where the Monte Carlo error here would hide it.

Intervals
---------
Every replicate gets two delta-method intervals: the default, whose
variance is the infinitesimal jackknife summed per candidate (the simulator's
candidates hold several applications, so ``cluster="auto"`` picks it; issue
15), and the independent one (``cluster=None``: cmprsk's variance, episodes
taken as independent).

Usage (from the repository root)::

    python benchmarks/coverage_still_hope.py            # 1000 replicates, 4000 applications
    python benchmarks/coverage_still_hope.py --write    # ... and rewrite its section of results.md
    python benchmarks/coverage_still_hope.py --reps 200 --bootstrap-reps 0
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel import episodes, simulate
from hiring_funnel.estimators import bootstrap, still_hope
from hiring_funnel.simulate import true_first_response_cif

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or loaded by a test
from _results import write_section

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
SECTION = "coverage_still_hope"
CAUSES = ("positive", "rejection")
WAITED = (0.0, 3.0, 7.0, 14.0)
HORIZON = 30.0
Z95 = 1.959963984540054
CONVENTIONS = ("day", "P(T<=t)", "P(T<t+1)")

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)
_NODES, _WEIGHTS = (_NODES + 1.0) / 2.0, _WEIGHTS / 2.0  # on [0, 1], weights sum to 1


@dataclass(frozen=True)
class Design:
    name: str
    description: str
    params: dict[str, Any] = field(default_factory=dict)


DESIGNS = {
    "independent": Design(
        "independent",
        "no candidate effect: applications independent given covariates",
        {"ghost_candidate_effect": 0.0, "positive_candidate_effect": 0.0},
    ),
    "candidate": Design(
        "candidate",
        "simulator defaults: a candidate's applications share a quality effect",
    ),
    "end_of_day": Design(
        "end_of_day",
        "as independent, but no withdrawals or closings and the as-of time at 23:59:59, "
        "so every censoring falls at the end of its day",
        {
            "ghost_candidate_effect": 0.0,
            "positive_candidate_effect": 0.0,
            "withdraw_probability": 0.0,
            "close_probability": 0.0,
            "as_of": "2026-11-20T23:59:59Z",
        },
    ),
}


# -- truth -------------------------------------------------------------------


def day_cif(
    truth: dict[str, Any],
    days: np.ndarray,
    attributes: pd.DataFrame | None = None,
    convention: str = "day",
) -> dict[str, np.ndarray]:
    """True F_k at whole days under a day convention (see the module docstring).

    ``"day"`` is the clocks' convention, P(D <= t) = mean of F over [t, t+1];
    ``"P(T<=t)"`` is F(t) and ``"P(T<t+1)"`` is F(t+1), for comparison.
    """
    days = np.asarray(days, dtype=float)
    if convention == "P(T<=t)":
        return true_first_response_cif(truth, days, attributes)
    if convention == "P(T<t+1)":
        return true_first_response_cif(truth, days + 1.0, attributes)
    grid = true_first_response_cif(truth, days[:, None] + _NODES[None, :], attributes)
    return {cause: grid[cause] @ _WEIGHTS for cause in CAUSES}


def true_hope(cif: dict[str, np.ndarray]) -> np.ndarray:
    """(F_k(tau) - F_k(s)) / (1 - F_pos(s) - F_rej(s)); ``cif`` at WAITED then HORIZON.

    Returns shape (causes, waited).
    """
    n = len(WAITED)
    surv = 1.0 - cif["positive"][:n] - cif["rejection"][:n]
    return np.array([(cif[c][n] - cif[c][:n]) / surv for c in CAUSES])


def _days() -> np.ndarray:
    return np.array([*WAITED, HORIZON])


# -- replicates ----------------------------------------------------------------


def replicate(
    seed: int, n: int, design: Design, with_bootstrap: bool, n_resamples: int = 200
) -> dict[str, np.ndarray]:
    """One simulated log: estimates, SEs and intervals, and the true still hope.

    Arrays have shape (causes, waited); ``truth_<convention>`` condition on the
    log's own applications.
    """
    log = simulate(n, seed=seed, office_hours=False, **design.params)
    ep = episodes(log.events, "first_response", as_of=log.as_of)
    if len(ep) != n:
        raise AssertionError(f"seed {seed}: {len(ep)} episodes for {n} applications")
    keys = ("est", "lo", "hi", "se", "ind_lo", "ind_hi", "ind_se")
    out: dict[str, Any] = {k: np.empty((len(CAUSES), len(WAITED))) for k in keys}
    if with_bootstrap:
        for k in ("boot_lo", "boot_hi", "boot_se"):
            out[k] = np.empty((len(CAUSES), len(WAITED)))
    for i, cause in enumerate(CAUSES):
        kwargs = {"cause": cause, "waited": list(WAITED), "horizon": HORIZON}
        table = still_hope(ep, **kwargs).table
        out["est"][i] = table["estimate"].to_numpy()
        out["lo"][i] = table["ci_lower"].to_numpy()
        out["hi"][i] = table["ci_upper"].to_numpy()
        out["se"][i] = table["std_error"].to_numpy()
        plain = still_hope(ep, cluster=None, **kwargs).table
        out["ind_lo"][i] = plain["ci_lower"].to_numpy()
        out["ind_hi"][i] = plain["ci_upper"].to_numpy()
        out["ind_se"][i] = plain["std_error"].to_numpy()
        if with_bootstrap:
            boot = bootstrap(still_hope, ep, seed=seed, n_resamples=n_resamples, **kwargs).table
            out["boot_lo"][i] = boot["ci_lower"].to_numpy()
            out["boot_hi"][i] = boot["ci_upper"].to_numpy()
            out["boot_se"][i] = boot["std_error"].to_numpy()
    for convention in CONVENTIONS:
        cif = day_cif(log.truth, _days(), log.attributes, convention)
        out[f"truth_{convention}"] = true_hope(cif)
    out["truth_population"] = true_hope(day_cif(log.truth, _days()))
    out["at_risk"] = table["at_risk"].to_numpy()  # still waiting after s (same for both causes)
    return out


def wilson(k: np.ndarray, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes out of n (Wilson 1927)."""
    p = np.asarray(k, dtype=float) / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def run_design(
    design: str | Design,
    reps: int,
    n: int,
    bootstrap_reps: int = 0,
    *,
    progress: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Replicates 0..reps-1 of one design; returns the summary table and the raw arrays.

    Summary rows: one per interval method, cause and s, with the mean true
    still hope, mean estimate, bias (and its z against the Monte Carlo error),
    the spread of estimate - truth against the mean reported standard error,
    coverage of the sample truth with its Wilson interval, and coverage of the
    population truth.
    """
    d = DESIGNS[design] if isinstance(design, str) else design
    started = time.perf_counter()
    runs = []
    for r in range(reps):
        runs.append(replicate(r, n, d, with_bootstrap=r < bootstrap_reps))
        if progress and (r + 1) % max(reps // 10, 1) == 0:
            print(f"  {d.name}: {r + 1}/{reps} ({time.perf_counter() - started:.0f} s)", flush=True)
    # Bootstrap arrays exist for the first bootstrap_reps replicates only.
    raw = {k: np.stack([run[k] for run in runs if k in run]) for k in runs[0]}
    rows = []
    methods = [
        ("by candidate (default)", "lo", "hi", "se", reps),
        ("independent (cluster=None)", "ind_lo", "ind_hi", "ind_se", reps),
    ]
    if bootstrap_reps:
        methods.append(("cluster bootstrap", "boot_lo", "boot_hi", "boot_se", bootstrap_reps))
    for method, lo_key, hi_key, se_key, m in methods:
        est, truth, pop = raw["est"][:m], raw["truth_day"][:m], raw["truth_population"][:m]
        lo, hi = raw[lo_key][:m], raw[hi_key][:m]
        err = est - truth
        covered = (lo <= truth) & (truth <= hi)
        covered_pop = (lo <= pop) & (pop <= hi)
        c_lo, c_hi = wilson(covered.sum(axis=0), m)
        for i, cause in enumerate(CAUSES):
            for j, s in enumerate(WAITED):
                sd = float(err[:, i, j].std(ddof=1))
                bias = float(err[:, i, j].mean())
                rows.append(
                    {
                        "design": d.name,
                        "interval": method,
                        "cause": cause,
                        "s": s,
                        "replicates": m,
                        "still_waiting": float(raw["at_risk"][:m, j].mean()),
                        "truth": float(truth[:, i, j].mean()),
                        "estimate": float(est[:, i, j].mean()),
                        "bias": bias,
                        "bias_z": bias / (sd / np.sqrt(m)),
                        "sd": sd,
                        "mean_se": float(raw[se_key][:m, i, j].mean()),
                        "coverage": float(covered[:, i, j].mean()),
                        "coverage_lo": float(c_lo[i, j]),
                        "coverage_hi": float(c_hi[i, j]),
                        "coverage_population": float(covered_pop[:, i, j].mean()),
                    }
                )
    summary = pd.DataFrame(rows)
    summary["se_ratio"] = summary["sd"] / summary["mean_se"]
    info = {"seconds": time.perf_counter() - started, "raw": raw, "n": n, "reps": reps}
    return summary, info


def convention_bias(raw: dict[str, np.ndarray]) -> pd.DataFrame:
    """Mean estimate - mean truth under each day convention, in Monte Carlo standard errors."""
    rows = []
    m = len(raw["est"])
    for convention in CONVENTIONS:
        err = raw["est"] - raw[f"truth_{convention}"]
        z = err.mean(axis=0) / (err.std(axis=0, ddof=1) / np.sqrt(m))
        for i, cause in enumerate(CAUSES):
            for j, s in enumerate(WAITED):
                rows.append(
                    {
                        "convention": convention,
                        "cause": cause,
                        "s": s,
                        "bias": float(err[:, i, j].mean()),
                        "z": float(z[i, j]),
                    }
                )
    return pd.DataFrame(rows)


def convention_check(n: int = 400_000, seed: int = 20261126) -> pd.DataFrame:
    """Empirical P(D <= t, cause) of an uncensored log against the three conventions.

    No withdrawals or closings, and only applications sent at least 200 days
    before the as-of date, so every answer within 200 days is seen. No
    candidate effect either, so the binomial standard error is the right one.
    """
    log = simulate(
        n,
        seed=seed,
        office_hours=False,
        withdraw_probability=0.0,
        close_probability=0.0,
        **DESIGNS["independent"].params,
    )
    ep = episodes(log.events, "first_response", as_of=log.as_of, attributes=log.attributes)
    old = ep[ep["origin"] <= log.as_of - pd.Timedelta(days=200)]
    days = np.array([0.0, 1.0, 3.0, 7.0, 14.0, 30.0])
    rows = []
    truths = {c: day_cif(log.truth, days, old, c) for c in CONVENTIONS}
    for cause in CAUSES:
        hit = (old["cause"] == cause).to_numpy()
        empirical = np.array([(hit & (old["duration"].to_numpy() <= t)).mean() for t in days])
        se = np.sqrt(empirical * (1 - empirical) / len(old))
        for k, t in enumerate(days):
            row = {"cause": cause, "t": t, "empirical": empirical[k], "se": se[k]}
            for c in CONVENTIONS:
                row[c] = truths[c][cause][k]
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["applications"] = len(old)
    return out


# -- report ------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def report(
    summaries: list[pd.DataFrame],
    infos: list[dict[str, Any]],
    conv: pd.DataFrame | None,
    conv_bias: pd.DataFrame | None,
    command: str,
    elapsed: float,
) -> str:
    n, reps = infos[0]["n"], infos[0]["reps"]
    lines = [
        "Generated by `benchmarks/coverage_still_hope.py`; do not edit by hand.",
        "",
        f"- command: `{command}`",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"run took {elapsed / 60:.1f} min",
        f"- {reps} replicates (seeds 0..{reps - 1}) of `simulate({n}, seed=r, "
        "office_hours=False, ...)`, `first_response` clock, "
        f"`still_hope(cause, waited={list(WAITED)}, horizon={HORIZON:g})`, 95 % intervals",
        "- truth: day convention P(D <= t) = mean of F over [t, t+1], averaged over each "
        "sample's applications (coverage of the population-mix truth beside it)",
        "- designs: " + "; ".join(f"*{d.name}*: {d.description}" for d in DESIGNS.values()),
        "- runtime: "
        + "; ".join(
            f"{s['design'].iloc[0]} {info['seconds']:.0f} s"
            for s, info in zip(summaries, infos, strict=True)
        ),
        "",
        "| design | interval | cause | s | reps | still waiting | true | mean estimate | bias "
        "| bias / MC se | sd(est - true) | mean SE | sd / SE | coverage % [Wilson 95 %] "
        "| coverage of population truth % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for summary in summaries:
        for r in summary.itertuples():
            lines.append(
                f"| {r.design} | {r.interval} | {r.cause} | {r.s:g} | {r.replicates} "
                f"| {r.still_waiting:,.0f} | {r.truth:.4f} | {r.estimate:.4f} | {r.bias:+.4f} "
                f"| {r.bias_z:+.1f} | {r.sd:.4f} | {r.mean_se:.4f} | {r.se_ratio:.2f} "
                f"| {_pct(r.coverage)} [{_pct(r.coverage_lo)}, {_pct(r.coverage_hi)}] "
                f"| {_pct(r.coverage_population)} |"
            )
    if conv is not None:
        lines += [
            "",
            f"Day convention, uncensored check ({conv.attrs['applications']:,} applications "
            "sent >= 200 days before the as-of date, no withdrawals, closings or candidate "
            "effect): empirical "
            "P(D <= t, cause) against the three readings of the truth.",
            "",
            "| cause | t | empirical (se) | mean of F over [t, t+1] | F(t) = P(T <= t) "
            "| F(t+1) = P(T < t+1) |",
            "|---|---|---|---|---|---|",
        ]
        for _, row in conv.iterrows():
            lines.append(
                f"| {row['cause']} | {row['t']:g} | {row['empirical']:.4f} ({row['se']:.4f}) | "
                + " | ".join(f"{row[c]:.4f}" for c in CONVENTIONS)
                + " |"
            )
    if conv_bias is not None:
        wide = conv_bias.pivot_table(index=["cause", "s"], columns="convention", values="z")
        lines += [
            "",
            "Bias of the still-hope estimates (independent design) against the truth under each "
            "convention, in Monte Carlo standard errors (|z| > 3 is a real bias):",
            "",
            "| cause | s | " + " | ".join(CONVENTIONS) + " |",
            "|---|---|" + "---|" * len(CONVENTIONS),
        ]
        for (cause, s), row in wide.iterrows():
            lines.append(
                f"| {cause} | {s:g} | " + " | ".join(f"{row[c]:+.1f}" for c in CONVENTIONS) + " |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000, help="replicates per design")
    parser.add_argument("--n", type=int, default=4000, help="applications per simulated log")
    parser.add_argument(
        "--bootstrap-reps",
        type=int,
        default=400,
        help="replicates of the candidate design that also get the cluster bootstrap",
    )
    parser.add_argument("--designs", default="independent,candidate,end_of_day")
    parser.add_argument("--no-convention-check", action="store_true")
    parser.add_argument("--write", action="store_true", help=f"rewrite our section of {RESULTS}")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    command = "python benchmarks/coverage_still_hope.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    summaries, infos = [], []
    conv_bias = None
    for name in args.designs.split(","):
        boot = min(args.bootstrap_reps, args.reps) if name == "candidate" else 0
        print(f"{name}: {args.reps} replicates of {args.n} applications ...", flush=True)
        summary, info = run_design(name, args.reps, args.n, boot, progress=True)
        summaries.append(summary)
        infos.append(info)
        if name == "independent":
            conv_bias = convention_bias(info["raw"])
    conv = None if args.no_convention_check else convention_check()
    text = report(summaries, infos, conv, conv_bias, command, time.perf_counter() - started)
    print(text)
    if args.write:
        write_section(RESULTS, SECTION, text)
        print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
