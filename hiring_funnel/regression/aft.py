"""Parametric accelerated-failure-time models of the waiting time, compared by AIC.

Weibull, log-normal and log-logistic AFT models (fitted with lifelines) give
smooth survival curves that can be read past the last observed day. The clocks
count calendar-date differences, so an answer on the day of the application has
duration 0; AFT models need positive times, so every duration is shifted by half
a day (``duration + 0.5``, mid-day) before fitting, and :meth:`AFTComparison.predict`
applies the same shift to the days it is asked about.

Whole days: the model ignores ``last_day_share`` (:mod:`hiring_funnel.day_boundary`); a
wait censored partway through its last day counts as at risk all of that day here
(issue 15, item 3 leaves the regression models on whole days for now).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from hiring_funnel.deprecation import keywords_from, warn_renamed
from hiring_funnel.episode_checks import check_episodes
from hiring_funnel.regression._checks import (
    check_covariate_names,
    check_rank,
    events_per_parameter,
    missing_as_level,
)
from hiring_funnel.regression.cox import (
    check_duplicates,
    check_events_per_level,
    parameter_names,
    parse_covariate,
)
from hiring_funnel.results import COEFFICIENT_COLUMNS, CoefficientResult, Note
from hiring_funnel.schema import HiringFunnelError

__all__ = ["AFT_COEFFICIENT_COLUMNS", "AFT_DISTRIBUTIONS", "AFTComparison", "parametric_models"]

#: Distributions :func:`parametric_models` can fit.
AFT_DISTRIBUTIONS: tuple[str, ...] = ("weibull", "lognormal", "loglogistic")
#: Columns of :attr:`AFTComparison.comparison`.
AFT_TABLE_COLUMNS: tuple[str, ...] = (
    "distribution",
    "aic",
    "delta_aic",
    "loglik",
    "n_params",
    "best",
)
#: Columns of :attr:`AFTComparison.table` and :attr:`AFTComparison.coefficients`:
#: those of every coefficient result (``estimate`` is the time ratio; ``level``
#: is missing for a numeric term), then the distribution.
AFT_COEFFICIENT_COLUMNS: tuple[str, ...] = (*COEFFICIENT_COLUMNS, "distribution")
#: Half a day added to every duration (and to every day asked about).
SHIFT = 0.5
# lifelines' names of the location parameter (the one covariates act on) and the shape.
_LOCATION = {"weibull": "lambda_", "lognormal": "mu_", "loglogistic": "alpha_"}
_SHAPE = {"weibull": "rho_", "lognormal": "sigma_", "loglogistic": "beta_"}


def aft_survival(dist: str, params: pd.Series, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """S(t) of a fitted AFT model at covariates ``x`` (lifelines' parametrisation).

    With eta = Intercept + x'b on the location and k = exp(shape Intercept):
    Weibull exp(-(t / e^eta)^k), log-normal 1 - Phi((log t - eta) / k),
    log-logistic 1 / (1 + (t / e^eta)^k); equal to lifelines'
    ``predict_survival_function`` to rounding (tests/test_aft.py).
    """
    loc = _LOCATION[dist]
    eta = float(params[(loc, "Intercept")]) + sum(
        float(params[(loc, f"x{j}")]) * float(v) for j, v in enumerate(x)
    )
    k = float(np.exp(params[(_SHAPE[dist], "Intercept")]))
    if dist == "weibull":
        return np.asarray(np.exp(-((t / np.exp(eta)) ** k)))
    if dist == "lognormal":
        return np.asarray(ndtr(-(np.log(t) - eta) / k))
    return np.asarray(1.0 / (1.0 + (t / np.exp(eta)) ** k))


def _fitter(distribution: str) -> Any:
    from lifelines import LogLogisticAFTFitter, LogNormalAFTFitter, WeibullAFTFitter

    cls = {
        "weibull": WeibullAFTFitter,
        "lognormal": LogNormalAFTFitter,
        "loglogistic": LogLogisticAFTFitter,
    }[distribution]
    return cls()


@dataclass(frozen=True)
class _Term:
    """What a prediction needs of a covariate: its kind, levels and reference (never its data)."""

    name: str
    numeric: bool
    levels: tuple[str, ...]
    reference: int


@dataclass(frozen=True)
class AFTComparison(CoefficientResult):
    """Accelerated-failure-time models of one waiting time, compared by AIC.

    A coefficient result whose ``estimate`` is a time ratio (above 1: slower
    answers). It keeps the fitted parameters, not the fitters (which would
    keep the training data).

    Attributes
    ----------
    table : DataFrame
        The best distribution's coefficients, columns
        :data:`AFT_COEFFICIENT_COLUMNS`: ``estimate`` = exp(coef) multiplies
        the waiting time relative to the reference level, with its Wald
        interval, ``std_error`` and ``p_value``.
    comparison : DataFrame
        One row per distribution, columns ``distribution, aic, delta_aic,
        loglik, n_params, best`` (AIC = 2 n_params - 2 loglik; ``delta_aic`` is
        the difference to the smallest; ``best`` marks the smallest AIC).
    coefficients : DataFrame
        Every distribution's coefficients, in the columns of ``table``.
    params : dict
        Distribution -> lifelines' parameter Series (``params_``: the location
        ``lambda_``/``mu_``/``alpha_`` on ``Intercept`` and ``x0, x1, ...`` in
        the order of the table's rows, and the shape on ``Intercept``).
    meta : Meta
        ``cause`` (None: any answer), ``covariates``, ``reference``, ``coding``,
        ``conf_level``, ``n``, ``events``, ``shift`` (0.5 day added to every
        duration), ``best``, ``last_day`` (longest observed duration),
        ``means`` (of numeric covariates, used by :meth:`predict`) and
        ``effect`` ("time ratio").

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": np.floor(rng.weibull(1.5, 300) * 10),
    ...                    "cause": pd.Categorical(["offer"] * 300)})
    >>> fit = parametric_models(ep, distributions=["weibull"])
    >>> pred = fit.predict([0, 5, 10])
    >>> list(pred.columns), bool(pred["survival"].is_monotonic_decreasing), fit.effect
    (['day', 'survival', 'distribution', 'extrapolated'], True, 'time ratio')
    """

    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    coefficients: pd.DataFrame = field(default_factory=pd.DataFrame)
    params: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    terms: tuple[_Term, ...] = field(default=(), repr=False)

    def title(self) -> str:
        what = "any answer" if self.meta["cause"] is None else str(self.meta["cause"])
        return f"Accelerated-failure-time models: time until {what}"

    def facts(self) -> list[str]:
        m = self.meta
        return [
            f"{m['n']:,} episodes, {m['events']:,} events",
            f"durations shifted by {m['shift']} day (AFT needs positive times)",
            f"best by AIC: {m['best']}",
            *super().facts(),
        ]

    def extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Distributions compared by AIC", self.comparison)]

    def predict(
        self,
        times: float | Sequence[float] | np.ndarray,
        pattern: Mapping[str, Any] | None = None,
        *,
        distribution: str | None = None,
    ) -> pd.DataFrame:
        """Predicted probability of no answer yet, S(day), at the given days.

        Parameters
        ----------
        times : number or sequence of numbers
            Days since the origin (the scale of ``duration``); they may lie
            past the last observed day (extrapolation). The model is read at
            ``day + 0.5``, the same half-day shift as the fit.
        pattern : mapping, optional
            Covariate values (categorical: a level; numeric: a number).
            Covariates left out take their reference level (the most frequent)
            or, if numeric, their mean.
        distribution : str, optional
            One of the fitted distributions; default: the best by AIC.

        Returns
        -------
        DataFrame
            Columns ``day``, ``survival``, ``distribution``; ``extrapolated``
            is True past the last observed duration.
        """
        dist = self.meta["best"] if distribution is None else distribution
        if dist not in self.params:
            raise HiringFunnelError(
                f"distribution {dist!r} was not fitted", hint=f"use one of {list(self.params)}"
            )
        days = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if days.ndim != 1 or not np.isfinite(days).all() or (days < 0).any():
            raise HiringFunnelError("times must be finite days >= 0")
        x = self._pattern_row(dict(pattern or {}))
        s = aft_survival(dist, self.params[dist], x, days + SHIFT)
        return pd.DataFrame(
            {
                "day": days,
                "survival": s,
                "distribution": dist,
                "extrapolated": days > self.meta["last_day"],
            }
        )

    def survival(
        self,
        times: float | Sequence[float] | np.ndarray,
        pattern: Mapping[str, Any] | None = None,
        *,
        distribution: str | None = None,
    ) -> pd.DataFrame:
        """The old name of :meth:`predict` (for one release)."""
        warn_renamed("AFTComparison", "survival()", "predict()")
        return self.predict(times, pattern, distribution=distribution)

    def _pattern_row(self, pattern: dict[str, Any]) -> np.ndarray:
        unknown = sorted(set(pattern) - {c.name for c in self.terms})
        if unknown:
            raise HiringFunnelError(
                f"pattern names {unknown}, which are not covariates of the model",
                hint=f"the covariates are {self.meta['covariates']}",
            )
        values: dict[str, float] = {}
        j = 0
        for c in self.terms:
            if c.numeric:
                v = pattern.get(c.name, self.meta["means"][c.name])
                try:
                    values[f"x{j}"] = float(v)
                except (TypeError, ValueError):
                    raise HiringFunnelError(
                        f"pattern value {v!r} is not a number", column=c.name
                    ) from None
                j += 1
                continue
            lev = str(pattern.get(c.name, c.levels[c.reference]))
            if lev not in c.levels:
                raise HiringFunnelError(
                    f"unknown level {lev!r}", column=c.name, hint=f"the levels are {c.levels}"
                )
            for i, name in enumerate(c.levels):
                if i != c.reference:
                    values[f"x{j}"] = float(lev == name)
                    j += 1
        return np.array([values[f"x{k}"] for k in range(j)], dtype=np.float64)


@keywords_from("covariates")
def parametric_models(
    episodes: pd.DataFrame,
    *,
    covariates: str | Sequence[str] = (),
    cause: str | None = None,
    distributions: Sequence[str] = AFT_DISTRIBUTIONS,
    conf_level: float = 0.95,
) -> AFTComparison:
    """Fit Weibull, log-normal and log-logistic AFT models and compare them by AIC.

    Parameters
    ----------
    episodes : DataFrame
        Canonical episodes (``entry``, ``duration`` in whole days, categorical
        ``cause``; missing = censored) with the covariate columns. Late entries
        (``entry > 0``) are left-truncated at ``entry`` on the fitted time
        scale (lifelines' ``entry_col``): an episode entered on day e is known
        to wait past e - 0.5 days, so with the mid-day shift its time
        ``duration + 0.5`` is conditioned on exceeding ``entry``.
    covariates : str or sequence of str
        Columns of ``episodes``. Categorical, string and boolean columns are
        one-hot coded against their most frequent level (which is dropped);
        numeric columns enter as they are.
    cause : str, optional
        None: the time until any answer (every non-missing cause is an event).
        A cause: the time until that cause, other causes censored.
    distributions : sequence of str
        Any of ``"weibull"``, ``"lognormal"``, ``"loglogistic"``.
    conf_level : float
        Level of the Wald intervals of the time ratios.

    Returns
    -------
    AFTComparison
        ``table`` (the best distribution's time ratios), ``comparison`` (AIC
        per distribution), ``coefficients`` (every distribution's time
        ratios), ``predict(times, pattern)`` and ``meta``.

    Raises
    ------
    HiringFunnelError
        When there are no events, fewer events than parameters, a covariate
        is missing, constant, duplicated or collinear or has missing values, a
        level has no events (separation), a distribution is unknown, or a fit
        does not converge (naming the distribution). Fewer than 10 events per
        parameter adds a note to ``meta["notes"]``.

    Notes
    -----
    AFT models need positive times, while a same-day answer has duration 0
    (the clocks count calendar-date differences), so every duration is fitted
    as ``duration + 0.5``, the middle of its day; ``meta["shift"]`` records it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> ep = pd.DataFrame({
    ...     "entry": 0.0,
    ...     "duration": np.floor(rng.weibull(1.5, 400) * 10),
    ...     "cause": pd.Categorical(["offer"] * 400),
    ... })
    >>> fit = parametric_models(ep)
    >>> fit.meta["best"], fit.meta["shift"]
    ('weibull', 0.5)
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    dists = [distributions] if isinstance(distributions, str) else list(distributions)
    _check_arguments(episodes, covs, cause, dists, conf_level)
    episodes = missing_as_level(episodes, covs)
    if cause is None:
        is_event = episodes["cause"].notna().to_numpy(dtype=bool)
    else:
        is_event = (episodes["cause"] == cause).to_numpy(dtype=bool, na_value=False)
    n_events = int(is_event.sum())
    what = "an answer" if cause is None else f"cause {cause!r}"
    if n_events == 0:
        raise HiringFunnelError(
            f"no episode ends with {what}: there is nothing to model",
            column="cause",
            hint="pick a cause with events, or check the clock",
        )
    parsed = [parse_covariate(episodes, name) for name in covs]
    check_events_per_level(
        parsed, is_event, cause or "answer", effect="its time ratio would be infinite"
    )
    check_duplicates(parsed)
    names = parameter_names(parsed)
    thin: list[Note] = []
    if names:
        counted = "answers" if cause is None else f"events of {cause!r}"
        _, thin = events_per_parameter(n_events, len(names), counted)
    duration = episodes["duration"].to_numpy(dtype=np.float64)
    data = pd.DataFrame({"T": duration + SHIFT, "E": is_event.astype(np.int64)})
    entry = episodes["entry"].to_numpy(dtype=np.float64)
    if (entry > 0).any():  # late entry: truncated at entry - 0.5 + SHIFT days (see above)
        data["entry"] = entry - 0.5 + SHIFT
    j = 0
    for c in parsed:
        if c.numeric:
            data[f"x{j}"] = c.codes
            j += 1
        else:
            for i in range(len(c.levels)):
                if i != c.reference:
                    data[f"x{j}"] = (c.codes == i).astype(np.float64)
                    j += 1
    if names:
        check_rank(names, data[[f"x{i}" for i in range(len(names))]].to_numpy())
    z_crit = NormalDist().inv_cdf(0.5 + conf_level / 2)
    fits: dict[str, pd.Series] = {}
    rows = []
    coef_frames = []
    for dist in dists:
        fit = _fit_one(dist, data, what)
        fits[dist] = fit.params_.copy()  # the parameters only: the fitter keeps the data
        k = len(fit.params_)
        loglik = float(fit.log_likelihood_)
        rows.append((dist, 2 * k - 2 * loglik, loglik, k))
        loc = _LOCATION[dist]
        keys = [(loc, f"x{i}") for i in range(len(names))]
        coef = fit.params_.loc[keys].to_numpy(dtype=np.float64)
        se = fit.standard_errors_.loc[keys].to_numpy(dtype=np.float64)
        coef_frames.append(
            pd.DataFrame(
                {
                    "term": [t for t, _ in names],
                    "level": pd.array([lev for _, lev in names], dtype=object),
                    "estimate": np.exp(coef),
                    "ci_lower": np.exp(coef - z_crit * se),
                    "ci_upper": np.exp(coef + z_crit * se),
                    "coef": coef,
                    "std_error": se,
                    "p_value": 2 * ndtr(-np.abs(coef / se)),
                    "distribution": dist,
                },
                columns=list(AFT_COEFFICIENT_COLUMNS),
            )
        )
    table = pd.DataFrame(rows, columns=["distribution", "aic", "loglik", "n_params"])
    table.insert(2, "delta_aic", table["aic"] - table["aic"].min())
    best = str(table["distribution"].iloc[int(np.argmin(table["aic"].to_numpy()))])
    table["best"] = table["distribution"] == best
    table = table[list(AFT_TABLE_COLUMNS)]
    coefficients = pd.concat(coef_frames, ignore_index=True)
    meta: dict[str, Any] = {
        "cause": cause,
        "covariates": covs,
        "reference": {c.name: c.levels[c.reference] for c in parsed if not c.numeric},
        "coding": "treatment, against the most frequent level",
        "conf_level": conf_level,
        "n": len(episodes),
        "events": n_events,
        "shift": SHIFT,
        "shift_note": "durations fitted as duration + 0.5 day (mid-day): AFT needs positive times",
        "best": best,
        "last_day": float(duration.max()),
        "means": {c.name: float(np.mean(c.codes)) for c in parsed if c.numeric},
        "effect": "time ratio",
    }
    terms = tuple(
        _Term(c.name, c.numeric, tuple(str(v) for v in c.levels), c.reference) for c in parsed
    )
    return AFTComparison(
        table=coefficients[coefficients["distribution"] == best].reset_index(drop=True),
        covariance=pd.DataFrame(),
        meta=meta,
        notes=tuple(thin),
        comparison=table,
        coefficients=coefficients,
        params=fits,
        terms=terms,
    )


def _fit_one(dist: str, data: pd.DataFrame, what: str) -> Any:
    from lifelines.exceptions import ConvergenceError

    fit = _fitter(dist)
    problem = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            late = {"entry_col": "entry"} if "entry" in data.columns else {}
            fit.fit(data, duration_col="T", event_col="E", **late)
    except ConvergenceError as err:
        problem = str(err).strip().splitlines()[0] if str(err).strip() else "ConvergenceError"
    if problem is None:
        values = np.concatenate(
            [np.asarray(fit.params_, dtype=float), np.asarray(fit.standard_errors_, dtype=float)]
        )
        if not np.isfinite(values).all() or not np.isfinite(fit.log_likelihood_):
            problem = "non-finite estimates or standard errors"
    if problem is not None:
        raise HiringFunnelError(
            f"the {dist} AFT model of the time until {what} did not converge ({problem})",
            hint="use fewer covariates, merge rare levels, or drop this distribution",
        )
    return fit


def _check_arguments(
    episodes: pd.DataFrame,
    covs: list[str],
    cause: str | None,
    dists: list[str],
    conf_level: float,
) -> None:
    check_covariate_names(covs)
    check_episodes(episodes, by=covs)
    categories = [str(c) for c in episodes["cause"].cat.categories]
    if cause is not None and cause not in categories:
        raise HiringFunnelError(
            f"unknown cause {cause!r}", column="cause", hint=f"the causes are {categories}"
        )
    if not dists:
        raise HiringFunnelError("distributions is empty", hint=f"use some of {AFT_DISTRIBUTIONS}")
    unknown = [d for d in dists if d not in AFT_DISTRIBUTIONS]
    if unknown or len(set(dists)) != len(dists):
        raise HiringFunnelError(
            f"unknown or repeated distribution(s) {unknown or dists}",
            hint=f"use some of {list(AFT_DISTRIBUTIONS)}",
        )
    if not 0 < conf_level < 1:
        raise HiringFunnelError(f"conf_level must be between 0 and 1, not {conf_level!r}")
