"""Fine-Gray subdistribution hazards regression (Fine & Gray 1999), as ``cmprsk::crr`` fits it.

The subdistribution hazard of a cause k is the hazard of "k happened" in a
world where an episode that ended with another cause stays in the risk set for
ever. Its coefficients say how a covariate changes the chance of k itself (the
cumulative incidence), not the speed of k among those still waiting, which is
what a cause-specific Cox model answers.

With censoring, an episode that ended with another cause at X_j stays in the
risk set at a later event time s with the weight G(s-) / G(X_j-), G the
Kaplan-Meier curve of the censoring times (inverse probability of censoring
weighting; Fine & Gray 1999, section 2.2; Geskus 2011 shows the same estimate
is a weighted Cox model). Every convention follows ``cmprsk::crr`` so that the
numbers agree with R:

- G is the Kaplan-Meier curve of the censorings (an event and a censoring on
  the same day: the event is at risk), read just before each time, at
  ``t * (1 - 100 eps)`` -- so at t = 0 it already includes censorings at 0;
- tied event times: Breslow's approximation (d log S0 per distinct time);
- Newton-Raphson from 0 with crr's step halving (Armijo factor 1e-4) and its
  stopping rule: max |score_j| max(|b_j|, 1) < gtol max(|log L|, 1), gtol 1e-6;
- the variance is the sandwich of Fine & Gray (1999, section 3):
  I^-1 (sum_i (eta_i + psi_i)^2) I^-1, where eta_i is subject i's score
  residual and psi_i the correction for estimating G (the censoring martingale
  of i times q(u) / pi(u)).

All sums over subjects are cumulative sums over the rows sorted by time; only
the p x p algebra is per distinct event time.

Whole days: the model ignores ``last_day_share`` (:mod:`hiring_funnel.day_boundary`); a
wait censored partway through its last day counts as at risk all of that day here
(issue 15, item 3 leaves the regression models on whole days for now).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.deprecation import keywords_from
from hiring_funnel.episode_checks import check_episodes
from hiring_funnel.regression._checks import check_rank, events_per_parameter, missing_as_level
from hiring_funnel.regression._fine_gray_core import (
    MAX_ITER,
    FineGrayData,
    information,
    log_likelihood,
    newton,
    score_residuals,
)
from hiring_funnel.results import COEFFICIENT_COLUMNS, CoefficientResult, Result
from hiring_funnel.schema import HiringFunnelError

__all__ = ["FINE_GRAY_COLUMNS", "FineGrayResult", "fine_gray"]

#: Columns of :attr:`FineGrayResult.table`, in order: those of every coefficient
#: result (``estimate`` is the subdistribution hazard ratio), then Wald z.
FINE_GRAY_COLUMNS: tuple[str, ...] = (*COEFFICIENT_COLUMNS, "z")

#: |coef| times the covariate's standard deviation beyond which the fit is
#: taken for a separated one (a hazard ratio of e^12 per standard deviation).
_SEPARATION = 12.0


@dataclass(frozen=True)
class FineGrayResult(CoefficientResult):
    """A Fine-Gray fit: a coefficient result whose ``estimate`` is a subdistribution hazard ratio.

    Attributes
    ----------
    table : DataFrame
        Columns :data:`FINE_GRAY_COLUMNS`: ``term`` (the covariate),
        ``level`` (the level of a categorical covariate compared with its
        reference level; missing for a numeric one), ``estimate`` (the
        subdistribution hazard ratio, exp(coef)) with its interval
        ``ci_lower``, ``ci_upper`` (Wald, on the log scale), ``coef``,
        ``std_error`` (the sandwich standard error), the two-sided
        ``p_value`` and ``z``.
    covariance : DataFrame
        The sandwich variance matrix of the coefficients.
    meta : Meta
        ``cause``, ``n``, ``events`` (of the cause), ``competing_events``,
        ``censored``, ``conf_level``, ``converged``, ``iterations``,
        ``loglik`` and ``loglik_null`` (the log pseudo-likelihood at the
        estimate and at 0), ``reference`` (covariate -> level; also as
        ``reference_levels``), ``variance`` and ``ties`` (the methods),
        ``effect``.
    notes : tuple of Note
        Fewer than 10 events per parameter (code ``few_events``).
    """

    def title(self) -> str:
        return f"Fine-Gray subdistribution hazards of {self.meta.get('cause')}"

    def facts(self) -> list[str]:
        m = self.meta
        return [
            f"n = {m.get('n')}",
            f"{m.get('events')} events",
            f"{m.get('competing_events')} competing events",
            f"{m.get('censored')} censored",
            f"variance: {m.get('variance')}",
            "" if m.get("converged", True) else "did not converge",
            *Result.facts(self),  # the level; its reference levels in the words below
            "reference levels: " + "; ".join(f"{k}: {v}" for k, v in m["reference"].items())
            if m.get("reference")
            else "",
        ]


@keywords_from("cause", "covariates")
def fine_gray(
    episodes: pd.DataFrame,
    *,
    cause: str,
    covariates: str | Sequence[str],
    conf_level: float = 0.95,
) -> FineGrayResult:
    """Fit a Fine-Gray model of the subdistribution hazard of one cause.

    Parameters
    ----------
    episodes : DataFrame
        Canonical episode frame (``duration``, ``entry``, ``cause``
        categorical with missing = censored) with the covariate columns.
        Left truncation is not supported (``entry`` must be 0).
    cause : str
        The cause of interest (one of the ``cause`` categories); every other
        cause is a competing event.
    covariates : str or sequence of str
        Covariate columns. Numbers and booleans enter as they are;
        categorical, string and object columns are coded with one indicator
        per level against the first level (the first category of a
        categorical column, else the first in sorted order), as R's
        ``model.matrix`` does.
    conf_level : float
        Level of the Wald intervals of the subdistribution hazard ratios.

    Returns
    -------
    FineGrayResult
        Its ``table`` matches ``cmprsk::crr`` (coefficients and sandwich
        standard errors).

    Raises
    ------
    HiringFunnelError
        For a missing, constant or incomplete covariate, a cause with no
        events, left-truncated episodes, separation (an estimate running off
        to infinity) or no convergence; the message names the covariate.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({
    ...     "entry": 0.0,
    ...     "duration": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...     "cause": pd.Categorical(["offer", "rejection", "offer", None, "offer",
    ...                              "rejection", None, "offer", "rejection", None],
    ...                             categories=["offer", "rejection"]),
    ...     "referral": [1, 0, 1, 0, 0, 1, 1, 0, 0, 1],
    ... })
    >>> fit = fine_gray(ep, cause="offer", covariates=["referral"])  # R: cmprsk::crr gives 0.2218, 0.9040
    >>> fit.table[["term", "coef", "std_error"]].round(4)
           term    coef  std_error
    0  referral  0.2218      0.904
    """
    check_episodes(episodes)
    names = [covariates] if isinstance(covariates, str) else list(covariates)
    if not names:
        raise HiringFunnelError("no covariates given", hint="pass at least one column name")
    if len(set(names)) != len(names):
        raise HiringFunnelError(f"covariates repeat: {names}")
    episodes = missing_as_level(episodes, names)
    if not 0 < conf_level < 1:
        raise HiringFunnelError(f"conf_level must be between 0 and 1, not {conf_level}")
    causes = list(episodes["cause"].cat.categories)
    if cause not in causes:
        raise HiringFunnelError(
            f"cause {cause!r} is not one of the causes {causes}", column="cause"
        )
    entry = episodes["entry"].to_numpy(dtype=np.float64)
    if entry.size and entry.max() > 0:
        raise HiringFunnelError(
            "Fine-Gray regression does not support left truncation (entry > 0)",
            column="entry",
            code="late_entry_fine_gray",
            hint="fit on episodes observed from their origin (leave out observed_from), "
            "or compare causes with cause_specific_cox, which supports late entry",
        )
    x, terms, levels, references = _design(episodes, names)
    codes = episodes["cause"].cat.codes.to_numpy()
    status = np.where(codes < 0, 0, np.where(codes == causes.index(cause), 1, 2))
    n_events = int((status == 1).sum())
    if n_events == 0:
        raise HiringFunnelError(
            f"no events of cause {cause!r}: the model cannot be fitted",
            column="cause",
        )
    _check_separation_by_level(x, status, terms, levels, references, cause)
    check_rank(list(zip(terms, levels, strict=True)), x)
    _, notes = events_per_parameter(n_events, len(terms), f"events of {cause!r}")

    time = episodes["duration"].to_numpy(dtype=np.float64)
    order = np.argsort(time, kind="stable")
    data = FineGrayData.build(time[order], status[order], x[order])
    beta, loglik, converged, iterations = newton(data)
    if not converged:
        worst = int(np.argmax(np.abs(beta)))
        raise HiringFunnelError(
            f"the Fine-Gray fit for cause {cause!r} did not converge in {MAX_ITER} "
            f"Newton steps (largest coefficient: {terms[worst]!r}, {beta[worst]:.3g})",
            column=terms[worst],
            hint="drop or merge sparse levels, or check for separation",
        )
    spread = x.std(axis=0)
    runaway = np.abs(beta) * spread > _SEPARATION
    if runaway.any():
        j = int(np.argmax(np.abs(beta) * spread))
        raise HiringFunnelError(
            f"separation: the coefficient of {_label(terms[j], levels[j])} runs off to "
            f"{beta[j]:.3g} (the events of cause {cause!r} are (almost) all on one side "
            "of it)",
            column=terms[j],
            hint="drop the covariate, merge levels, or fit a penalised model",
        )
    info, _ = information(data, beta)
    try:
        info_inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise HiringFunnelError(
            f"the information matrix is singular: covariates {names} are collinear",
            hint="drop one of the collinear columns",
        ) from None
    middle = score_residuals(data, beta)
    covariance = info_inv @ (middle.T @ middle) @ info_inv
    se = np.sqrt(np.diag(covariance))
    z_crit = NormalDist().inv_cdf(0.5 + conf_level / 2)
    z = beta / se
    p_value = 2 * np.array([NormalDist().cdf(-abs(v)) for v in z])
    table = pd.DataFrame(
        {
            "term": terms,
            "level": pd.Series(levels, dtype=object),
            "estimate": np.exp(beta),
            "ci_lower": np.exp(beta - z_crit * se),
            "ci_upper": np.exp(beta + z_crit * se),
            "coef": beta,
            "std_error": se,
            "p_value": p_value,
            "z": z,
        },
        columns=list(FINE_GRAY_COLUMNS),
    )
    labels = [_label(t, lv) for t, lv in zip(terms, levels, strict=True)]
    meta = {
        "cause": cause,
        "n": int(len(time)),
        "events": n_events,
        "competing_events": int((status == 2).sum()),
        "censored": int((status == 0).sum()),
        "conf_level": conf_level,
        "converged": converged,
        "iterations": iterations,
        "loglik": loglik,
        "loglik_null": -log_likelihood(data, np.zeros_like(beta)),
        "reference": references,
        "reference_levels": references,
        "variance": "sandwich (Fine & Gray 1999, section 3), as cmprsk::crr",
        "ties": "Breslow",
        "effect": "subdistribution hazard ratio",
    }
    return FineGrayResult(
        table=table,
        covariance=pd.DataFrame(covariance, index=labels, columns=labels),
        meta=meta,
        notes=tuple(notes),
    )


def _label(term: str, level: Any) -> str:
    return term if level is None else f"{term}[{level}]"


def _design(
    episodes: pd.DataFrame, names: list[str]
) -> tuple[np.ndarray, list[str], list[Any], dict[str, Any]]:
    """The design matrix (treatment coding), term and level of each column, reference levels."""
    columns: list[np.ndarray] = []
    terms: list[str] = []
    levels: list[Any] = []
    references: dict[str, Any] = {}
    for name in names:
        if name not in episodes.columns:
            raise HiringFunnelError(
                f"covariate not in the episodes; found {list(episodes.columns)}", column=name
            )
        col = episodes[name]
        missing = col.isna().to_numpy()
        if missing.any():
            raise HiringFunnelError(
                f"{int(missing.sum())} missing value(s), first in row "
                f"{episodes.index[int(np.argmax(missing))]!r}",
                column=name,
                hint="drop or impute those rows before fitting",
            )
        if isinstance(col.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        ):
            if isinstance(col.dtype, pd.CategoricalDtype):
                present = set(col.unique())
                cats = [c for c in col.cat.categories if c in present]
            else:
                cats = sorted(col.unique(), key=str)
            if len(cats) < 2:
                raise HiringFunnelError(
                    f"constant covariate (only the level {cats[0]!r}): it has no effect to estimate",
                    column=name,
                    hint="drop it from the covariates",
                )
            references[name] = cats[0]
            values = col.to_numpy(dtype=object)
            for level in cats[1:]:
                columns.append((values == level).astype(np.float64))
                terms.append(name)
                levels.append(level)
        else:
            v = col.to_numpy(dtype=np.float64)
            if not np.isfinite(v).all():
                raise HiringFunnelError("infinite value(s)", column=name)
            if v.size and v.min() == v.max():
                raise HiringFunnelError(
                    f"constant covariate (every value is {v[0]:g}): it has no effect to estimate",
                    column=name,
                    hint="drop it from the covariates",
                )
            columns.append(v)
            terms.append(name)
            levels.append(None)
    return np.column_stack(columns), terms, levels, references


def _check_separation_by_level(
    x: np.ndarray,
    status: np.ndarray,
    terms: list[str],
    levels: list[Any],
    references: dict[str, Any],
    cause: str,
) -> None:
    """A level with no event of the cause sends a coefficient to infinity (or minus infinity)."""
    events = status == 1
    owner = np.array(terms, dtype=object)
    for name, reference in references.items():
        in_reference = ~x[:, owner == name].any(axis=1)
        if not events[in_reference].any():
            raise HiringFunnelError(
                f"separation: no event of cause {cause!r} at the reference level "
                f"{reference!r}, so every other level's subdistribution hazard ratio is infinite",
                column=name,
                hint="merge the level with another one or drop those rows",
            )
    for j, level in enumerate(levels):
        if level is None:
            continue
        inside = x[:, j] == 1
        if not events[inside].any():
            raise HiringFunnelError(
                f"separation: no event of cause {cause!r} at level {level!r}, so its "
                "subdistribution hazard ratio is 0",
                column=terms[j],
                hint="merge the level with another one or drop those rows",
            )
