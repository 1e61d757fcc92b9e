"""Cause-specific Cox regression: hazard ratios of one cause, other causes censored.

Categorical covariates are treatment-coded against their most frequent level.
When every covariate is categorical the fit reads counts aggregated by (exit
time, covariate pattern) instead of rows, with the exact row-level Efron
likelihood (:mod:`hiring_funnel.regression._efron`), so a log of 1e7 episodes
fits in seconds. With a numeric covariate the same code runs on rows.

Whole days: the model ignores ``last_day_share`` (:mod:`hiring_funnel.day_boundary`); a
wait censored partway through its last day counts as at risk all of that day here
(issue 15, item 3 leaves the regression models on whole days for now).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from hiring_funnel.deprecation import keywords_from
from hiring_funnel.episode_checks import check_episodes
from hiring_funnel.regression import _efron
from hiring_funnel.regression._checks import (
    check_covariate_names,
    check_rank,
    cluster_codes,
    events_per_parameter,
    missing_as_level,
)
from hiring_funnel.regression._cox_data import Covariate, aggregate_rows, episode_rows
from hiring_funnel.results import COEFFICIENT_COLUMNS, CoefficientResult
from hiring_funnel.schema import HiringFunnelError

__all__ = ["COX_COLUMNS", "CoxResult", "cause_specific_cox"]

#: Fixed columns of the hazard-ratio table: those of every coefficient result
#: (``estimate`` is the hazard ratio; ``level`` is missing for a numeric term), then Wald z.
COX_COLUMNS: tuple[str, ...] = (*COEFFICIENT_COLUMNS, "z")


@dataclass(frozen=True)
class CoxResult(CoefficientResult):
    """A fitted cause-specific Cox model: a coefficient result whose ``estimate`` is a hazard ratio.

    Attributes
    ----------
    table : DataFrame
        One row per parameter, columns :data:`COX_COLUMNS`: ``term`` (the
        covariate), ``level`` (the level compared with the reference; missing
        for a numeric covariate), ``estimate`` (the hazard ratio) with its
        interval, ``coef`` (log hazard ratio), ``std_error``, ``p_value`` and
        Wald ``z``.
    covariance : DataFrame
        Covariance of the coefficients (inverse observed information),
        indexed by ``term=level``.
    meta : dict
        ``cause``, ``covariates``, ``reference`` (covariate -> reference level,
        the most frequent one), ``coding`` ("treatment"), ``ties``,
        ``conf_level``, ``n`` (episodes), ``events``, ``censored_causes``
        (other causes, censored), ``parameters``, ``events_per_parameter``,
        ``loglik``, ``loglik_null``, ``iterations``, ``method``
        ("aggregated" or "rows"), ``fit_rows`` (rows the likelihood read) and
        ``notes``.
    baseline : DataFrame
        ``time``, ``hazard`` (increment) and ``cumulative_hazard`` of the cause
        at every event time, for an episode at the reference levels with
        numeric covariates at 0; multiply the increments by the hazard ratio
        exp(x'b) for another pattern. Efron-adjusted for ties, as R's
        ``survfit.coxph`` (Breslow's d / S0 with ``ties="breslow"``).
    """

    baseline: pd.DataFrame = field(default_factory=pd.DataFrame)

    def title(self) -> str:
        return f"Cause-specific Cox model: hazard of {self.meta['cause']}"

    def facts(self) -> list[str]:
        m = self.meta
        return [
            f"{m['n']:,} episodes, {m['events']:,} events of {m['cause']}",
            f"{m['ties']} ties",
            *super().facts(),
        ]


@keywords_from("cause", "covariates")
def cause_specific_cox(
    episodes: pd.DataFrame,
    *,
    cause: str,
    covariates: str | Sequence[str],
    ties: str = "efron",
    conf_level: float = 0.95,
    cluster: str | None = None,
) -> CoxResult:
    """Fit a Cox model of the hazard of one cause; other causes are censored.

    Parameters
    ----------
    episodes : DataFrame
        Canonical episodes (``entry``, ``duration``, categorical ``cause``)
        with the covariate columns.
    cause : str
        The cause whose hazard is modelled; episodes ending with another cause
        are censored at their end (a cause-specific hazard).
    covariates : str or sequence of str
        Columns of ``episodes``. Categorical, string and boolean columns are
        treatment-coded against their most frequent level; numeric columns
        enter as they are (one coefficient per unit).
    ties : {"efron", "breslow"}
        How tied event times are handled.
    conf_level : float
        Level of the Wald intervals of the hazard ratios.
    cluster : str, optional
        A column grouping correlated episodes, typically ``"candidate_id"``
        (one person's applications share that person's strength as a
        candidate). The standard errors are then the robust sandwich ones of
        Lin & Wei (1989), as R's ``coxph(..., cluster = )``; without it they
        assume independent episodes.

    Returns
    -------
    CoxResult
        ``table`` (:data:`COX_COLUMNS`), ``covariance`` and ``meta``.

    Raises
    ------
    HiringFunnelError
        Naming the covariate (and level) when a covariate is missing, constant,
        has missing values or duplicates another one; when a level has no
        events of the cause (its hazard ratio would be 0, the coefficient
        infinite); when there are fewer events than parameters; or when the
        fit does not converge.

    Notes
    -----
    With only categorical covariates the likelihood is evaluated on counts
    per (exit time, covariate pattern, late entry time), which gives exactly
    the row-level Efron fit. Fewer than 10 events per parameter adds a note
    to ``meta["notes"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({
    ...     "entry": 0.0,
    ...     "duration": [1.0, 2, 3, 4, 5, 6, 7, 8, 2, 3, 9, 4],
    ...     "cause": pd.Categorical(["offer", "offer", None, "rejection", "offer", "offer",
    ...                              "offer", None, "offer", "offer", "offer", "offer"]),
    ...     "size": ["big"] * 7 + ["small"] * 5,
    ... })
    >>> fit = cause_specific_cox(ep, cause="offer", covariates="size")
    >>> fit.table[["term", "level", "estimate"]].round(3)
       term  level  estimate
    0  size  small     0.669
    >>> fit.meta["reference"]
    {'size': 'big'}
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    _check_arguments(episodes, cause, covs, ties, conf_level)
    episodes = missing_as_level(episodes, covs)
    is_event = (episodes["cause"] == cause).to_numpy(dtype=bool, na_value=False)
    n_events = int(is_event.sum())
    if n_events == 0:
        raise HiringFunnelError(
            f"no episode ends with cause {cause!r}: there is nothing to model",
            column="cause",
            code="no_events",
            hint="pick a cause with events, or check the clock",
            data={"cause": cause},
        )
    clusters = None if cluster is None else cluster_codes(episodes, cluster)
    parsed = [parse_covariate(episodes, name) for name in covs]
    check_events_per_level(parsed, is_event, cause)
    check_duplicates(parsed)
    n_params = sum(1 if c.numeric else len(c.levels) - 1 for c in parsed)
    epp, notes = events_per_parameter(n_events, n_params, f"events of {cause!r}")
    duration = episodes["duration"].to_numpy(dtype=np.float64)
    entry = episodes["entry"].to_numpy(dtype=np.float64)
    names = parameter_names(parsed)
    if all(not c.numeric for c in parsed):
        data = aggregate_rows(parsed, duration, entry, is_event, clusters is not None)
        method = "aggregated"
    else:
        data = episode_rows(parsed, duration, entry, is_event)
        method = "rows"
    x, time, w, d, ex, et, ew, row_of, entry_of = data
    check_rank(names, x, w)
    # Centring changes neither coefficients nor their covariance; it keeps
    # exp(x'b) well scaled for numeric covariates far from zero.
    centre = (w @ x) / w.sum()
    result = _efron.fit(
        x - centre,
        time,
        w,
        d,
        entry_x=None if ex is None else ex - centre,
        entry_time=et,
        entry_w=ew,
        ties=ties,
    )
    _check_fit(result, names, cause)
    cov = result.covariance
    if clusters is not None:
        codes, n_clusters = clusters
        meat = _efron.cluster_meat(
            x - centre,
            time,
            w,
            d,
            result.coef,
            row_of=row_of,
            is_event=is_event,
            cluster=codes,
            n_clusters=n_clusters,
            entry_x=None if ex is None else ex - centre,
            entry_time=et,
            entry_w=ew,
            entry_of=entry_of,
            late=np.flatnonzero(entry > 0),
            ties=ties,
        )
        cov = cov @ meat @ cov
    se = np.sqrt(np.diag(cov))
    z_crit = NormalDist().inv_cdf(0.5 + conf_level / 2)
    z = result.coef / se
    # ndtr keeps p-values below 1e-16 that 1 - cdf(|z|) would round to 0.
    p_value = 2 * ndtr(-np.abs(z))
    table = pd.DataFrame(
        {
            "term": [t for t, _ in names],
            "level": pd.array([lev for _, lev in names], dtype=object),
            "estimate": np.exp(result.coef),
            "ci_lower": np.exp(result.coef - z_crit * se),
            "ci_upper": np.exp(result.coef + z_crit * se),
            "coef": result.coef,
            "std_error": se,
            "p_value": p_value,
            "z": z,
        },
        columns=list(COX_COLUMNS),
    )
    labels = [t if lev is None else f"{t}={lev}" for t, lev in names]
    covariance = pd.DataFrame(cov, index=labels, columns=labels)
    other = [str(c) for c in episodes["cause"].cat.categories if c != cause]
    meta: dict[str, Any] = {
        "cause": cause,
        "covariates": covs,
        "reference": {c.name: c.levels[c.reference] for c in parsed if not c.numeric},
        "coding": "treatment, against the most frequent level",
        "ties": ties,
        "conf_level": conf_level,
        "variance": "model-based (independent episodes)"
        if clusters is None
        else f"robust, clustered on {cluster!r} ({clusters[1]:,} clusters; Lin & Wei 1989)",
        "n": len(episodes),
        "events": n_events,
        "censored_causes": other,
        "parameters": n_params,
        "events_per_parameter": epp,
        "loglik": result.loglik,
        "loglik_null": result.loglik_null,
        "iterations": result.iterations,
        "method": method,
        "fit_rows": len(time) + (0 if et is None else len(et)),
        "effect": "hazard ratio",
    }
    # The likelihood saw x - centre; the hazard at x = 0 is exp(-centre'b) times its.
    hazard = result.hazard * np.exp(-float(centre @ result.coef))
    baseline = pd.DataFrame(
        {"time": result.hazard_times, "hazard": hazard, "cumulative_hazard": np.cumsum(hazard)}
    )
    return CoxResult(
        table=table, covariance=covariance, meta=meta, notes=tuple(notes), baseline=baseline
    )


def _check_arguments(
    episodes: pd.DataFrame, cause: str, covs: list[str], ties: str, conf_level: float
) -> None:
    if not covs:
        raise HiringFunnelError("covariates is empty", hint="name at least one column")
    check_covariate_names(covs)
    check_episodes(episodes, by=covs)
    categories = [str(c) for c in episodes["cause"].cat.categories]
    if cause not in categories:
        raise HiringFunnelError(
            f"unknown cause {cause!r}", column="cause", hint=f"the causes are {categories}"
        )
    if ties not in ("efron", "breslow"):
        raise HiringFunnelError(f"unknown ties {ties!r}", hint="use 'efron' or 'breslow'")
    if not 0 < conf_level < 1:
        raise HiringFunnelError(f"conf_level must be between 0 and 1, not {conf_level!r}")


def parse_covariate(episodes: pd.DataFrame, name: str) -> Covariate:
    col = episodes[name]
    missing = col.isna().to_numpy()
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise HiringFunnelError(
            f"{int(missing.sum())} missing value(s), first in row {first}",
            column=name,
            hint="drop or fill those episodes, or make 'unknown' a level of its own",
        )
    numeric = pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)
    if numeric:
        values = col.to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            first = int(np.flatnonzero(~np.isfinite(values))[0])
            raise HiringFunnelError(f"infinite value(s), first in row {first}", column=name)
        if values.size == 0 or values.min() == values.max():
            raise HiringFunnelError(
                "is constant: it cannot explain differences in hazard",
                column=name,
                hint="drop it from covariates",
            )
        return Covariate(name, True, values, [])
    if isinstance(col.dtype, pd.CategoricalDtype):
        # Drop unused categories with one bincount (remove_unused_categories sorts).
        raw = col.cat.codes.to_numpy().astype(np.int64)
        used = np.flatnonzero(np.bincount(raw, minlength=len(col.cat.categories)))
        remap = np.zeros(len(col.cat.categories), dtype=np.int64)
        remap[used] = np.arange(used.size)
        codes = remap[raw]
        levels = [str(col.cat.categories[i]) for i in used]
    else:
        codes, uniques = pd.factorize(col, sort=True)
        levels = [str(v) for v in uniques]
    if len(levels) < 2:
        raise HiringFunnelError(
            f"is constant (only level {levels[0]!r}): it cannot explain differences in hazard",
            column=name,
            code="constant_covariate",
            hint="drop it from covariates",
            data={"column": name, "level": levels[0]},
        )
    counts = np.bincount(codes, minlength=len(levels))
    return Covariate(name, False, codes.astype(np.int64), levels, int(np.argmax(counts)))


def check_events_per_level(
    parsed: list[Covariate],
    is_event: np.ndarray,
    cause: str,
    effect: str = "its hazard ratio would be 0",
) -> None:
    for c in parsed:
        if c.numeric:
            continue
        events = np.bincount(c.codes, weights=is_event, minlength=len(c.levels))
        empty = np.flatnonzero(events == 0)
        if empty.size:
            lev = c.levels[int(empty[0])]
            raise HiringFunnelError(
                f"level {lev!r} has no {cause!r} events: {effect} "
                "(perfect separation, an infinite coefficient)",
                column=c.name,
                code="separation",
                hint="merge it with another level, or drop those episodes",
                data={"column": c.name, "level": lev, "cause": cause},
            )


def check_duplicates(parsed: list[Covariate]) -> None:
    for i, a in enumerate(parsed):
        for b in parsed[:i]:
            if a.numeric != b.numeric:
                continue
            if a.numeric:
                same = abs(np.corrcoef(a.codes, b.codes)[0, 1]) > 1 - 1e-12
            else:
                cells = len(a.levels) * len(b.levels)
                pairs = np.count_nonzero(
                    np.bincount(a.codes * len(b.levels) + b.codes, minlength=cells)
                )
                same = pairs == len(a.levels) == len(b.levels)
            if same:
                raise HiringFunnelError(
                    f"duplicates covariate {b.name!r} (one determines the other)",
                    column=a.name,
                    code="duplicate_covariate",
                    hint=f"drop {a.name!r} or {b.name!r}",
                    data={"column": a.name, "other": b.name},
                )


def parameter_names(parsed: list[Covariate]) -> list[tuple[str, str | None]]:
    names: list[tuple[str, str | None]] = []
    for c in parsed:
        if c.numeric:
            names.append((c.name, None))
        else:
            names += [(c.name, lev) for i, lev in enumerate(c.levels) if i != c.reference]
    return names


def _check_fit(result: _efron.EfronFit, names: list[tuple[str, str | None]], cause: str) -> None:
    se = np.sqrt(np.diag(result.covariance))
    if result.converged and np.isfinite(result.coef).all() and np.isfinite(se).all():
        return
    j = int(np.nanargmax(np.abs(result.coef))) if np.isfinite(result.coef).any() else 0
    term, level = names[j]
    what = f"level {level!r} of {term!r}" if level is not None else f"{term!r}"
    raise HiringFunnelError(
        f"the Cox model of {cause!r} did not converge after {result.iterations} Newton steps; "
        f"{what} has the largest coefficient ({result.coef[j]:.3g}), which suggests "
        "(quasi-)separation: its events all come before or after the others'",
        column=term,
        code="not_converged",
        hint="merge rare levels, drop the covariate, or check the data",
        data={"column": term, "level": level, "cause": cause},
    )
