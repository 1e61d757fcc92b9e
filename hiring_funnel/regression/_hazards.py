"""The hazards behind the pending-application model, and the curves made from them.

Shared by :mod:`hiring_funnel.regression.pending` (fitting, bootstrap) and
:mod:`hiring_funnel.regression.prediction` (conditioning on the days waited).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiring_funnel.regression.cox import cause_specific_cox
from hiring_funnel.schema import HiringFunnelError

#: Error code of a first-answer model that cannot be fitted.
FIRST_FAILED = "first_answer_model"


@dataclass(frozen=True)
class Hazard:
    """One cause's fitted hazard: design terms, coefficients, baseline increments at x = 0."""

    terms: tuple[tuple[str, str | None], ...]
    coef: np.ndarray
    times: np.ndarray
    hazard: np.ndarray


def candidate_codes(first: pd.DataFrame) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(first["candidate_id"].astype(str))
    return codes.astype(np.int64), len(uniques)


def resample(ep: pd.DataFrame, times: np.ndarray) -> pd.DataFrame:
    return ep.take(np.repeat(np.arange(len(ep)), times)).reset_index(drop=True)


Part = tuple[dict[str, Hazard], dict[str, pd.DataFrame], dict[str, list[str]]]
#: The two first-answer models: (hazard name, cause).
FIRST = (("positive", "positive"), ("rejection", "rejection"))


def fit_part(
    ep: pd.DataFrame,
    models: tuple[tuple[str, str], ...],
    covs: tuple[str, ...],
    where: str,
    code: str,
    ties: str = "efron",
) -> Part:
    """Two cause-specific hazards of one clock; their Cox tables and notes (none without covs).

    A model that cannot be fitted raises with ``code`` (which part failed).
    """
    hazards: dict[str, Hazard] = {}
    tables: dict[str, pd.DataFrame] = {}
    notes: dict[str, list[str]] = {}
    for name, cause in models:
        if not covs:
            hazards[name] = nonparametric(ep, cause)
            continue
        try:
            fit = cause_specific_cox(ep, cause=cause, covariates=covs, ties=ties)
        except HiringFunnelError as exc:
            raise HiringFunnelError(
                f"the {cause!r} model of {where}: {exc.message}",
                column=exc.column,
                hint=exc.hint,
                code=code,
            ) from None
        terms = tuple(zip(fit.table["term"], fit.table["level"], strict=True))
        hazards[name] = Hazard(
            terms,
            fit.table["coef"].to_numpy(),
            fit.baseline["time"].to_numpy(),
            fit.baseline["hazard"].to_numpy(),
        )
        tables[name] = fit.table
        notes[name] = list(fit.meta["notes"])
    return hazards, tables, notes


def nonparametric(ep: pd.DataFrame, cause: str) -> Hazard:
    """d_k / n at each event time (Aalen-Johansen), as a hazard with no covariates."""
    duration = ep["duration"].to_numpy(dtype=np.float64)
    is_event = (ep["cause"] == cause).to_numpy(dtype=bool, na_value=False)
    times, inv = np.unique(duration, return_inverse=True)
    exits = np.bincount(inv, minlength=times.size)
    at_risk = exits[::-1].cumsum()[::-1]
    events = np.bincount(inv, weights=is_event, minlength=times.size)
    keep = events > 0
    return Hazard((), np.zeros(0), times[keep], events[keep] / at_risk[keep])


def hazard_on(h: Hazard, patterns: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    """Hazard increments of each pattern (rows) on the grid (columns)."""
    x = np.zeros((len(patterns), len(h.terms)))
    for j, (term, level) in enumerate(h.terms):
        col = patterns[term]
        x[:, j] = (col == level).to_numpy(dtype=float) if level is not None else col.to_numpy(float)
    out = np.zeros((len(patterns), grid.size))
    out[:, np.searchsorted(grid, h.times)] = np.outer(np.exp(x @ h.coef), h.hazard)
    return out


def aalen_johansen(
    a: Hazard, b: Hazard, patterns: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Grid, S(t), F_a(t), F_b(t) per pattern from two cause-specific hazards."""
    grid = np.union1d(a.times, b.times)
    da = hazard_on(a, patterns, grid)
    db = hazard_on(b, patterns, grid)
    # Cox increments can sum past 1 at a late time with few at risk; clip as R does.
    surv = np.cumprod(np.clip(1.0 - da - db, 0.0, 1.0), axis=1)
    before = np.hstack([np.ones((len(patterns), 1)), surv[:, :-1]])
    return grid, surv, np.cumsum(before * da, axis=1), np.cumsum(before * db, axis=1)


def quantities(
    fit: dict[str, Hazard],
    patterns: pd.DataFrame,
    pattern_of: np.ndarray,
    s: np.ndarray,
    within: float,
    tau: float,
) -> np.ndarray:
    """Array (quantity, row) of the three first-answer quantities (answer_eventually,
    answer_within, expected_wait_if_answered) under one set of hazards, up to day tau."""
    grid, surv, _, _ = aalen_johansen(fit["positive"], fit["rejection"], patterns)
    pad_s = np.hstack([np.ones((len(patterns), 1)), surv])
    i = pattern_of
    at_s = np.searchsorted(grid, s, side="right")  # padded index of the last time <= s
    at_w = np.searchsorted(grid, np.minimum(s + within, tau), side="right")
    at_tau = int(np.searchsorted(grid, tau, side="right"))
    s_s = pad_s[i, at_s]
    s_tau = pad_s[i, at_tau]
    with np.errstate(divide="ignore", invalid="ignore"):
        answer = (s_s - s_tau) / s_s
        soon = (s_s - pad_s[i, at_w]) / s_s
        # E[T - s | s < T <= tau]: each later day's share of the answers still to come.
        drop = pad_s[:, :-1] - pad_s[:, 1:]
        later = (grid[None, :] > s[:, None]) & (grid[None, :] <= tau)
        wait = ((grid[None, :] - s[:, None]) * drop[i] * later).sum(axis=1) / (s_s - s_tau)
    out = np.vstack([answer, soon, wait])
    out[:, s_s <= 0] = np.nan
    # No answer left to come: the mean wait of the answers is undefined.
    out[2, (s_s - s_tau) <= 0] = np.nan
    return out
