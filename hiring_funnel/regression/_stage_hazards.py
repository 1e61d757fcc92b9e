"""The multi-state hazards behind ``offer_eventually``: one per move of the funnel, and their product.

Every move h -> j between the states of :func:`hiring_funnel.state_paths`
(h transient: applied, screened, interviewed; j any later state) gets a
cause-specific hazard on the clock since applying, fitted on the path rows
leaving h: a Cox model of the move with the pending model's covariates, or
without covariates d / n (the Aalen-Johansen increments of
:mod:`hiring_funnel.estimators.transitions`). A row that enters h on day
``start`` can move from day start + 1 on (the state of a day is the state at
its end), so it is left-truncated there: ``entry = start + 1``; the applied
rows are at risk from day 0 (``entry = 0``; a same-day answer ends on day 0).
Censored rows that begin on their export day are never at risk and are left
out, as in R.

P(offer by tau | in h at the end of day s) is row h of the product of
(I + dA(u)) over the days s < u <= tau, column "offer", with dA_hj(u) the
baseline increment times exp(x'b_hj) and the diagonal 1 - the row's sum,
floored at 0 (R's ``survfit`` on a multi-state ``coxph``,
``pmax(0, 1 - rowSums(H))``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiring_funnel.regression._hazards import Hazard, hazard_on
from hiring_funnel.regression.cox import cause_specific_cox
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.states import CENSORED, STATES, TRANSIENT

#: The moves of the funnel: from each transient state to every later state.
MOVES: tuple[tuple[str, str], ...] = tuple(
    (h, j) for i, h in enumerate(TRANSIENT) for j in STATES[i + 1 :]
)
OFFER = STATES.index("offer")


def move_name(h: str, j: str) -> str:
    """The name of a move in the model's table and fits.

    >>> move_name("applied", "screened")
    'applied -> screened'
    """
    return f"{h} -> {j}"


def move_rows(paths: pd.DataFrame, covariates: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per transient state, its path rows as left-truncated episodes with the covariates.

    ``covariates`` is indexed by application id. Columns: ``entry``,
    ``duration``, ``cause`` (the state moved to, categorical; missing where
    censored) and the covariates; ``application_id`` is kept for resampling.
    """
    frm = paths["from_state"].astype("string").to_numpy()
    to = paths["to_state"].astype("string")
    start = paths["start"].to_numpy(dtype=np.float64)
    entry = np.where(frm == "applied", 0.0, start + 1.0)
    stop = paths["stop"].to_numpy(dtype=np.float64)
    keep = entry <= stop
    cause = pd.Categorical(to.where(to != CENSORED), categories=list(STATES))
    frame = pd.DataFrame(
        {
            "application_id": paths["application_id"].to_numpy(),
            "entry": entry,
            "duration": stop,
            "cause": cause,
        }
    )
    at = covariates.index.get_indexer(frame["application_id"])
    for c in covariates.columns:
        frame[c] = covariates[c].array.take(at)  # a categorical stays one
    return {
        h: frame[keep & (frm == h)].reset_index(drop=True)
        for h in TRANSIENT
        if (keep & (frm == h)).any()
    }


def nonparametric_entry(ep: pd.DataFrame, cause: str) -> Hazard:
    """d_j / n at each day with a move to ``cause``, n the rows with entry <= day <= duration.

    >>> ep = pd.DataFrame({"entry": [0.0, 0, 2], "duration": [1.0, 3, 3],
    ...     "cause": pd.Categorical(["offer", None, "offer"])})
    >>> nonparametric_entry(ep, "offer").hazard.tolist()
    [0.5, 0.5]
    """
    duration = ep["duration"].to_numpy(dtype=np.float64)
    entry = ep["entry"].to_numpy(dtype=np.float64)
    is_event = (ep["cause"] == cause).to_numpy(dtype=bool, na_value=False)
    times = np.unique(duration[is_event])
    if times.size == 0:
        return Hazard((), np.zeros(0), times, np.zeros(0))
    events = np.bincount(np.searchsorted(times, duration[is_event]), minlength=times.size)
    # at risk on day t: entry <= t <= duration
    entered = np.searchsorted(np.sort(entry), times, side="right")
    left = np.searchsorted(np.sort(duration), times, side="left")
    return Hazard((), np.zeros(0), times, events / (entered - left))


def fit_moves(
    rows: dict[str, pd.DataFrame],
    covs: dict[str, tuple[str, ...]],
    *,
    fall_back: bool = False,
    ties: str = "efron",
) -> tuple[dict[str, Hazard], dict[str, pd.DataFrame], list[str]]:
    """The hazard of every move with events, the Cox tables, and the moves that fell back.

    ``covs`` gives each move's covariates (missing or empty: none). A move
    without events has no hazard (it never happens). A Cox model that cannot
    be fitted raises :class:`HiringFunnelError` naming the move, or with
    ``fall_back`` (a bootstrap resample, where a rare move may lose every event
    of a level) gives d / n for that move, its name listed.
    """
    hazards: dict[str, Hazard] = {}
    tables: dict[str, pd.DataFrame] = {}
    fell_back: list[str] = []
    for h, j in MOVES:
        ep = rows.get(h)
        name = move_name(h, j)
        if ep is None or not (ep["cause"] == j).any():
            continue
        use = covs.get(name, ())
        if not use:
            hazards[name] = nonparametric_entry(ep, j)
            continue
        try:
            fit = cause_specific_cox(ep, cause=j, covariates=list(use), ties=ties)
        except HiringFunnelError as exc:
            if fall_back:
                hazards[name] = nonparametric_entry(ep, j)
                fell_back.append(name)
                continue
            raise HiringFunnelError(
                f"the {name!r} model: {exc.message}",
                column=exc.column,
                hint=exc.hint,
                code="move_model",
                data={"move": name},
            ) from None
        hazards[name] = Hazard(
            tuple(zip(fit.table["term"], fit.table["level"], strict=True)),
            fit.table["coef"].to_numpy(),
            fit.baseline["time"].to_numpy(),
            fit.baseline["hazard"].to_numpy(),
        )
        tables[name] = fit.table
    return hazards, tables, fell_back


def offer_chance(
    fit: dict[str, Hazard],
    patterns: pd.DataFrame,
    pattern_of: np.ndarray,
    stage: np.ndarray,
    s: np.ndarray,
    tau: float,
) -> np.ndarray:
    """P(offer by tau | in ``stage`` (codes into TRANSIENT) at the end of day s), per row.

    One backward sweep per covariate pattern: v(u-) = (I + dA(u)) v(u), from
    v(tau) = e_offer, gives P(u, tau) e_offer at every day at once.
    """
    names = [move_name(h, j) for h, j in MOVES if move_name(h, j) in fit]
    grid = np.unique(np.concatenate([fit[n].times for n in names])) if names else np.zeros(0)
    grid = grid[grid <= tau]
    k = len(STATES)
    n_pat = len(patterns)
    d = np.zeros((n_pat, grid.size, k, k))
    for n in names:
        h, j = n.split(" -> ")
        a = fit[n]
        on = a.times <= tau
        trimmed = Hazard(a.terms, a.coef, a.times[on], a.hazard[on])
        d[:, :, STATES.index(h), STATES.index(j)] = hazard_on(trimmed, patterns, grid)
    diag = np.arange(k)
    d[:, :, diag, diag] = np.maximum(0.0, 1.0 - d.sum(axis=3))
    # v[:, q] = P(grid[q - 1], tau) e_offer: the chance from just after day grid[q - 1].
    v = np.zeros((n_pat, grid.size + 1, k))
    v[:, grid.size, OFFER] = 1.0
    for q in range(grid.size - 1, -1, -1):
        v[:, q] = np.einsum("pij,pj->pi", d[:, q], v[:, q + 1])
    after = np.searchsorted(grid, s, side="right")  # first day after s
    return v[pattern_of, after, stage]
