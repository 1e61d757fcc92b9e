"""Ghosting as a mixture-cure model, with covariates on both parts.

An application is answered with probability p(x) = expit(x'gamma) and then
waits a parametric accelerated-failure-time answer time (log-normal or
Weibull, log-scale location x'beta, one spread sigma); with probability
1 - p(x) it is never answered: the ghosting share (the "cure fraction").
lifelines' ``MixtureCureFitter`` takes no covariates, so the likelihood is
written out in :mod:`hiring_funnel.regression._cure_likelihood` (including the
day convention for whole-day durations) and maximised with scipy. Standard
errors come from the inverse of a central-difference Hessian of the analytic
gradient; intervals for shares use the delta method on the logit scale.

The cure fraction is identified only by follow-up long past the last answers
(the Kaplan-Meier curve must flatten); otherwise it rests on the parametric
tail, and the result says so in ``meta["notes"]``.

Whole days: the model ignores ``last_day_share`` (:mod:`hiring_funnel.day_boundary`); a
wait censored partway through its last day counts as at risk all of that day here
(issue 15, item 3 leaves the regression models on whole days for now).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.deprecation import keywords_from, warn_renamed
from hiring_funnel.regression._checks import cluster_codes, events_per_parameter, missing_as_level
from hiring_funnel.regression._cure_checks import (
    check_collinear,
    check_ghosting_episodes,
    check_levels,
    follow_up_notes,
    is_numeric,
)
from hiring_funnel.regression._cure_likelihood import CureData, fit, linear_predictor, row_terms
from hiring_funnel.regression._cure_tables import (
    SHARE_COLUMNS,
    TABLE_COLUMNS,
    by_level_table,
    coef_table,
    column_of,
    levels_of,
    logit_interval,
    pattern_shares,
)
from hiring_funnel.results import CoefficientResult, as_notes
from hiring_funnel.schema import HiringFunnelError

__all__ = ["SHARE_COLUMNS", "TABLE_COLUMNS", "TIMINGS", "GhostingResult", "ghosting_model"]

#: Parametric answer-time distributions among the answered.
TIMINGS: tuple[str, ...] = ("lognormal", "weibull")


@dataclass(frozen=True)
class GhostingResult(CoefficientResult):
    """A fitted mixture-cure ghosting model: a coefficient result in two parts.

    Attributes
    ----------
    table : DataFrame
        One row per coefficient, columns :data:`TABLE_COLUMNS`. ``part`` is
        ``"ghosting"`` (``coef`` on the log-odds of never being answered;
        ``estimate`` the odds ratio of being ghosted, the intercept row the
        ghosting odds at the reference levels) or ``"timing"`` (``coef`` on
        log time; ``estimate`` the time ratio, the intercept row the scale in
        days at the reference levels, the ``sigma`` row the log-scale spread);
        ``scale`` says which.
    covariance : DataFrame
        Covariance of ``params`` (the fit's own parametrisation; the
        ghosting part's ``coef`` is minus its parameter).
    patterns : DataFrame
        One row per covariate pattern seen: the covariates, ``n``,
        ``answers`` and the predicted ghosting share with ``std_error`` and
        interval.
    by_level : DataFrame
        ``covariate, level`` then :data:`SHARE_COLUMNS`: the predicted
        ghosting share averaged over the episodes at that level (their other
        covariates as observed), with a delta-method interval; the row
        ``covariate="(all)"`` is the overall share. Numeric covariates have
        no rows here. Standard errors treat episodes as independent unless
        ``cluster`` is given: several applications of one candidate are not
        independent, so pass ``cluster="candidate_id"`` for such logs.
    params : Series
        The parameter vector (``ghosting:``/``timing:`` prefixed names, on the
        answered-probability and log-time scales; ``log_sigma`` last).
    meta : Meta
        ``timing``, ``conf_level``, ``n``, ``answers``, ``covariates``,
        ``reference`` (level per categorical covariate), ``loglik``, ``aic``,
        ``iterations``, ``gradient_max``, ``rows`` (aggregated rows fitted),
        ``day_convention`` and ``effect`` ("odds ratio of being ghosted; time
        ratio").

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(1500, seed=4)
    >>> ep = hf.episodes(sim.events, "first_response", attributes=sim.attributes)
    >>> fit = hf.ghosting_model(ep, covariates=["remote"])
    >>> bool(0 < fit.predict() < 1), fit.predict() == float(fit.by_level["estimate"].iloc[0])
    (True, True)
    """

    patterns: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_level: pd.DataFrame = field(default_factory=pd.DataFrame)
    params: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))

    def title(self) -> str:
        return "Ghosting: mixture-cure model (share never answered)"

    def facts(self) -> list[str]:
        m = self.meta
        return [
            f"{m['timing']} timing",
            *super().facts(),
            f"{m['n']:,} episodes, {m['answers']:,} answered",
            f"log-likelihood {m['loglik']:.2f}",
        ]

    def extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Predicted ghosting share by level", self.by_level)]

    def predict(self, pattern: Mapping[str, Any] | None = None) -> float:
        """The predicted ghosting share: over all episodes, or of a covariate pattern seen.

        ``pattern`` names a value for every covariate (a pattern of
        :attr:`patterns`); without it, the share averaged over all episodes.
        """
        if pattern is None:
            row = self.by_level[self.by_level["covariate"] == "(all)"]
            return float(row["estimate"].iloc[0])
        covs = list(self.meta["covariates"])
        if sorted(pattern) != sorted(covs):
            raise HiringFunnelError(
                f"a pattern names every covariate of the model: {covs}, not {sorted(pattern)}"
            )
        hit = np.ones(len(self.patterns), dtype=bool)
        for c in covs:
            hit &= (self.patterns[c].astype(str) == str(pattern[c])).to_numpy()
        if not hit.any():
            raise HiringFunnelError(
                f"the pattern {dict(pattern)} was not seen in the data",
                hint="predictions are given for the patterns in .patterns",
            )
        return float(self.patterns.loc[hit, "estimate"].iloc[0])

    @property
    def ghosting_share(self) -> float:
        """The old name of :meth:`predict` without a pattern (for one release)."""
        warn_renamed("GhostingResult", "ghosting_share", "predict()")
        return self.predict()

    @property
    def cov(self) -> pd.DataFrame:
        """The old name of :attr:`covariance` (for one release)."""
        warn_renamed("GhostingResult", "cov", "covariance")
        return self.covariance


@keywords_from("covariates")
def ghosting_model(
    episodes: pd.DataFrame,
    *,
    covariates: Sequence[str] = (),
    timing: str = "lognormal",
    conf_level: float = 0.95,
    cluster: str | None = None,
) -> GhostingResult:
    """Fit the share of applications never answered, and the answer time, on covariates.

    P(answered | x) = expit(x'gamma); among the answered, log T = x'beta +
    sigma * W (W normal for ``"lognormal"``, minimum extreme value for
    ``"weibull"``). Every episode's ``cause`` (any named cause) counts as an
    answer; a missing cause is censored at ``duration``. Categorical
    covariates are treatment-coded against their first level (categorical
    order, else sorted; ``False`` for booleans); numeric ones enter linearly.

    Parameters
    ----------
    episodes : DataFrame
        The canonical episode frame of :func:`hiring_funnel.clocks.episodes`
        (``duration`` in whole days, ``cause``, ``entry``) with the
        covariate columns, typically of the ``first_response`` clock. An
        episode that entered late (``entry`` > 0, a log that began
        mid-search) has its likelihood divided by the chance it was still
        waiting then, (1 - p) + p S(entry - 1/2) (left truncation).
    covariates : sequence of str
        Columns used on both the ghosting share and the timing.
    timing : {"lognormal", "weibull"}
        The answer-time distribution among the answered.
    conf_level : float
        Level of the intervals.
    cluster : str, optional
        A column grouping correlated episodes, typically ``"candidate_id"``:
        the covariance is then the robust sandwich H^-1 (sum_c U_c U_c') H^-1,
        U_c the summed score of cluster c. Without it, episodes are taken as
        independent.

    Returns
    -------
    GhostingResult

    Raises
    ------
    HiringFunnelError
        Bad input, a constant covariate, a level with no answers or with no
        unanswered episode (separation), follow-up too short to identify the
        ghosting share, or a fit that does not converge.

    Examples
    --------
    >>> from hiring_funnel.simulate import simulate
    >>> from hiring_funnel.clocks import episodes
    >>> log = simulate(3000, seed=1, office_hours=False)
    >>> ep = episodes(log.events, "first_response", attributes=log.attributes)
    >>> res = ghosting_model(ep, covariates=["source"])
    >>> 0.2 < res.predict() < 0.5
    True
    """
    if timing not in TIMINGS:
        raise HiringFunnelError(
            f"unknown timing {timing!r}", hint=f"use one of {', '.join(TIMINGS)}"
        )
    if not 0.0 < conf_level < 1.0:
        raise HiringFunnelError(f"conf_level must be in (0, 1), got {conf_level!r}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if isinstance(episodes, pd.DataFrame):
        episodes = missing_as_level(episodes, covariates)
    frame = check_ghosting_episodes(episodes, covariates)
    answered = frame["cause"].notna().to_numpy()
    duration = frame["duration"].to_numpy(dtype=float)
    entry = (
        frame["entry"].to_numpy(dtype=float) if "entry" in frame.columns else np.zeros(len(frame))
    )
    notes = follow_up_notes(duration, answered, entry)
    terms, reference, pattern_codes, patterns = _design(frame, covariates, answered)
    if len(terms) > 1:
        # Both parts have a coefficient per term; the logistic part is limited
        # by the rarer outcome, answered or not.
        rarer = int(min(answered.sum(), (~answered).sum()))
        _, thin = events_per_parameter(
            rarer, 2 * (len(terms) - 1), "episodes of the rarer outcome (answered or not)"
        )
        notes += thin

    # Aggregate to (duration, answered, pattern) with counts as weights. Late
    # entry divides an episode's likelihood by (1 - p) + p S(entry - 1/2), the
    # chance it was still waiting when the log began: a censored-form row at
    # entry - 1/2 with weight -1 (sign s), its score subtracted likewise.
    late = np.flatnonzero(entry > 0)
    episode = np.r_[np.arange(len(frame)), late]
    key = pd.DataFrame(
        {
            "d": np.r_[duration, entry[late] - 0.5] if late.size else duration,
            "a": np.r_[answered, np.zeros(late.size, dtype=bool)],
            "p": pattern_codes[episode],
            "s": np.r_[np.ones(len(frame)), -np.ones(late.size)],
        }
    )
    agg = key.groupby(["d", "a", "p", "s"], sort=True).size().reset_index(name="w")
    agg["w"] = agg["w"] * agg["s"]
    design = patterns[terms].to_numpy(dtype=float)
    data = CureData(
        design=design,
        pattern=agg["p"].to_numpy(dtype=np.intp),
        duration=agg["d"].to_numpy(dtype=float),
        answered=agg["a"].to_numpy(dtype=bool),
        weight=agg["w"].to_numpy(dtype=float),
        timing=timing,
    )
    result = fit(data)
    names = [f"ghosting:{t}" for t in terms] + [f"timing:{t}" for t in terms] + ["log_sigma"]
    if not result.converged:
        worst = names[int(np.argmax(np.abs(result.gradient)))]
        raise HiringFunnelError(
            f"the ghosting model did not converge ({result.message}); largest gradient on {worst}",
            column=column_of(worst, covariates),
            code="not_converged",
            hint="drop or merge rare levels of that covariate, or try the other timing",
            data={"column": column_of(worst, covariates)},
        )
    cov = _covariance(result.hessian, names, covariates)
    if cluster is not None:
        row_of = key.groupby(["d", "a", "p", "s"], sort=True).ngroup().to_numpy()
        meat = _cluster_meat(
            result.theta, data, row_of, key["s"].to_numpy(), episode, frame, cluster
        )
        cov = cov @ meat @ cov
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    k = len(terms)
    table = coef_table(result.theta, cov, terms, covariates, reference, z, timing)
    share_pat, share_se, share_grad = pattern_shares(result.theta[:k], cov[:k, :k], design)
    pat_out = patterns[covariates].copy()
    pat_out["n"] = np.bincount(pattern_codes, minlength=len(design))
    pat_out["answers"] = np.bincount(pattern_codes[answered], minlength=len(design))
    pat_out["estimate"] = share_pat
    pat_out["std_error"] = share_se
    lo, hi = logit_interval(share_pat, share_se, z)
    pat_out["ci_lower"], pat_out["ci_upper"] = lo, hi
    by_level = by_level_table(pat_out, share_grad, cov[:k, :k], covariates, z)
    meta: dict[str, Any] = {
        "timing": timing,
        "conf_level": conf_level,
        "n": int(len(frame)),
        "answers": int(answered.sum()),
        "covariates": covariates,
        "reference": reference,
        "loglik": result.loglik,
        "aic": 2 * len(names) - 2 * result.loglik,
        "iterations": result.iterations,
        "gradient_max": float(np.max(np.abs(result.gradient))),
        "rows": int(len(agg)),
        "day_convention": "answer on day d in (d-1/2, d+1/2]; censored on day c survives to c",
        "variance": "inverse observed information (independent episodes)"
        if cluster is None
        else f"robust sandwich, clustered on {cluster!r}",
        "effect": "odds ratio of being ghosted; time ratio",
    }
    return GhostingResult(
        table=table,
        covariance=pd.DataFrame(cov, index=names, columns=names),
        meta=meta,
        notes=tuple(as_notes(notes, "ghosting_model")),
        patterns=pat_out.reset_index(drop=True),
        by_level=by_level,
        params=pd.Series(result.theta, index=names, name="coef"),
    )


def _design(
    frame: pd.DataFrame, covariates: list[str], answered: np.ndarray
) -> tuple[list[str], dict[str, str], np.ndarray, pd.DataFrame]:
    """Terms, reference levels, a pattern code per episode and one row per pattern."""
    if not covariates:
        patterns = pd.DataFrame({"(Intercept)": [1.0]})
        return ["(Intercept)"], {}, np.zeros(len(frame), dtype=np.intp), patterns
    # One factorize per column; the pattern code is their mixed-radix
    # combination, re-factorized after each column so it never overflows.
    combined = np.zeros(len(frame), dtype=np.int64)
    for c in covariates:
        codes, uniques = pd.factorize(frame[c])
        check_levels(frame[c], codes, uniques, answered, c)
        combined = pd.factorize(combined * len(uniques) + codes)[0].astype(np.int64)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    patterns = frame[covariates].iloc[first].reset_index(drop=True)
    terms = ["(Intercept)"]
    patterns["(Intercept)"] = 1.0
    reference: dict[str, str] = {}
    for c in covariates:
        s = patterns[c]
        if is_numeric(s):
            terms.append(c)
            continue
        levels = levels_of(s)
        reference[c] = levels[0]
        pat_labels = s.astype(str).to_numpy()
        for lev in levels[1:]:
            name = f"{c}[{lev}]"
            patterns[name] = (pat_labels == lev).astype(float)
            terms.append(name)
    x = patterns[terms].to_numpy(dtype=float)
    check_collinear(x, terms, covariates)
    return terms, reference, inverse.astype(np.intp).reshape(-1), patterns


def _cluster_meat(
    theta: np.ndarray,
    data: CureData,
    row_of: np.ndarray,
    sign: np.ndarray,
    episode: np.ndarray,
    frame: pd.DataFrame,
    cluster: str,
) -> np.ndarray:
    """sum_c U_c U_c' with U_c the score of cluster c's episodes (each that of its row).

    ``row_of``, ``sign`` and ``episode`` run over the rows before aggregation:
    each episode, then a late entry's row of weight -1 (``sign``) for its
    ``episode``.
    """
    codes, n_clusters = cluster_codes(frame, cluster)
    codes = codes[episode]
    _, d_eta, d_mu, d_s = row_terms(*linear_predictor(theta, data), data)
    x = data.design[data.pattern[row_of]]
    k = data.n_terms
    u = np.empty((n_clusters, 2 * k + 1))
    for j in range(k):
        u[:, j] = np.bincount(codes, sign * d_eta[row_of] * x[:, j], n_clusters)
        u[:, k + j] = np.bincount(codes, sign * d_mu[row_of] * x[:, j], n_clusters)
    u[:, 2 * k] = np.bincount(codes, sign * d_s[row_of], n_clusters)
    meat: np.ndarray = u.T @ u
    return meat


def _covariance(h: np.ndarray, names: list[str], covariates: list[str]) -> np.ndarray:
    info = -h
    eig, vec = np.linalg.eigh(info)
    if not np.isfinite(eig).all() or eig.min() <= 1e-10 * max(1.0, float(eig.max())):
        worst = names[int(np.argmax(np.abs(vec[:, int(np.argmin(eig))])))]
        raise HiringFunnelError(
            f"the ghosting model is not identified: the information matrix is singular "
            f"along {worst}",
            column=column_of(worst, covariates),
            hint="merge rare levels, drop that covariate, or extend follow-up",
        )
    cov: np.ndarray = (vec / eig) @ vec.T
    return cov
