"""Predictions for applications still waiting: will it be an offer, an answer this week, and when?

:func:`pending_model` fits, on the ``first_response`` clock, a cause-specific
Cox model of a positive answer and one of a rejection, and, on the
``decision`` clock of the applications whose first answer was positive, one
of an offer and one of a rejection. :func:`~hiring_funnel.regression.prediction.predict_pending` turns them into
Aalen-Johansen curves for each pending application's attributes (each cause's
baseline hazard times its hazard ratio, as R's ``survfit`` on a multi-state
``coxph``) and conditions on the days already waited in silence:

- ``answer_eventually``: P(any answer after s, by the longest wait seen tau);
- ``offer_eventually``: P(positive answer after s | silence through s) times
  P(offer | positive first answer); the second factor assumes the offer chance
  does not depend on how long the first answer took (``meta["notes"]``);
- ``answer_within``: P(an answer on days s+1 .. s+``within``);
- ``expected_wait_if_answered``: E[T - s | an answer comes after s, by tau],
  in days. An unconditional mean remaining wait does not exist when some
  applications are never answered (ghosting), so the mean is over answers.

Without covariates the hazards are the Kaplan-Meier / Aalen-Johansen ones
(d / n), so the predictions equal :func:`hiring_funnel.estimators.still_hope`.
Intervals are percentile intervals over a bootstrap of candidates (every
application of a resampled candidate comes along), seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import EPISODE_COLUMNS
from hiring_funnel.clocks import episodes as make_episodes
from hiring_funnel.deprecation import keywords_from, warn_renamed
from hiring_funnel.regression._checks import missing_as_level
from hiring_funnel.regression._hazards import (
    AFTER_FAILED,
    Hazard,
    candidate_codes,
    fit_all,
    resample,
)
from hiring_funnel.results import Note, Result
from hiring_funnel.schema import EventLog, HiringFunnelError

__all__ = ["MIN_CANDIDATES", "PendingModel", "pending_model"]

_MODELS = ("positive", "rejection", "offer", "decision_rejection")
#: With fewer candidates than this the bootstrap resamples applications.
MIN_CANDIDATES = 10


@dataclass(frozen=True)
class PendingModel(Result):
    """Fitted hazards for :func:`~hiring_funnel.regression.prediction.predict_pending` (no reference to the log is kept).

    Attributes
    ----------
    covariates : tuple of str
        The attribute columns the predictions depend on.
    levels : dict
        Covariate -> the levels seen in the log (a prediction for another level
        is an error).
    table : DataFrame
        The four Cox models' tables (column ``model``: positive, rejection on
        the first-response clock; offer, decision_rejection on the decision
        clock after a positive first answer); empty without covariates.
    meta : dict
        ``n`` (first-response episodes), ``n_positive`` (decision episodes
        after a positive first answer), ``horizon`` (tau, the longest wait seen
        on the first-response clock), ``decision_horizon``, ``unit``,
        ``conf_level``, ``n_resamples`` (also as ``n_boot``, its old name), ``resampled`` ("candidates", or
        "applications" when the log has fewer than :data:`MIN_CANDIDATES`
        candidates), ``boot_failed`` and ``seed``.
    notes : tuple of Note
        What the predictions assume, and resamples that could not be fitted.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(2000, seed=2)
    >>> model = hf.pending_model(sim.events, attributes=sim.attributes, as_of=sim.as_of, n_resamples=0)
    >>> model.covariates, model.meta["n"]
    ((), 2000)
    """

    table: pd.DataFrame
    covariates: tuple[str, ...] = ()
    levels: dict[str, list[str]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    fits: tuple[dict[str, Hazard], ...] = field(default=(), repr=False)

    @property
    def hazard_ratios(self) -> pd.DataFrame:
        """The old name of :attr:`table` (for one release)."""
        warn_renamed("PendingModel", "hazard_ratios", "table")
        return self.table

    def title(self) -> str:
        return "Pending-application model"

    def facts(self) -> list[str]:
        m = self.meta
        return [
            f"covariates: {', '.join(self.covariates) or 'none'}",
            f"{m['n']:,} first-response episodes, {m['n_positive']:,} decisions after a "
            "positive answer",
            f"{m['n_resamples']} bootstrap resamples of {m['resampled']} (seed {m['seed']})",
        ]

    def predict(self, waiting: pd.DataFrame, **options: Any) -> Any:
        """:func:`~hiring_funnel.regression.prediction.predict_pending` with this model."""
        from hiring_funnel.regression.prediction import predict_pending

        return predict_pending(self, waiting, **options)


@keywords_from("covariates", renamed={"n_boot": "n_resamples"})
def pending_model(
    log: EventLog | pd.DataFrame,
    *,
    covariates: str | Sequence[str] = (),
    attributes: pd.DataFrame | None = None,
    as_of: Any = None,
    unit: str = "days",
    holidays: Any = None,
    n_resamples: int = 200,
    seed: int = 0,
    conf_level: float = 0.95,
    progress: Callable[[int, int], None] | None = None,
) -> PendingModel:
    """Fit the hazards behind :func:`~hiring_funnel.regression.prediction.predict_pending`.

    Parameters
    ----------
    log : EventLog or DataFrame
        The events (with ``attributes`` and ``as_of`` from the EventLog).
    covariates : str or sequence of str
        Attribute columns, categorical (treatment-coded in the Cox models).
        Empty: the non-parametric Aalen-Johansen curves of the whole log.
    attributes, as_of, unit, holidays
        As in :func:`hiring_funnel.episodes`.
    n_resamples : int
        Bootstrap resamples of candidates for the intervals (0: none).
    seed : int
        Seed of the bootstrap's generator.
    conf_level : float
        Level of the percentile intervals.
    progress : callable, optional
        Called as ``progress(done, n_resamples)`` after each resample.

    Returns
    -------
    PendingModel

    Raises
    ------
    HiringFunnelError
        When a covariate is missing or cannot be fitted (the message of
        :func:`cause_specific_cox` names it, and the model it failed in),
        when no first answer is positive, or for bad ``n_resamples``/``conf_level``.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(3000, seed=2)
    >>> model = pending_model(sim.events, attributes=sim.attributes, as_of=sim.as_of, n_resamples=0)
    >>> model.meta["n"]
    3000
    """
    covs = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    if n_resamples < 0:
        raise HiringFunnelError(f"n_resamples must be 0 or more, not {n_resamples}")
    if not 0 < conf_level < 1:
        raise HiringFunnelError(f"conf_level must be between 0 and 1, not {conf_level!r}")
    kw = {"attributes": attributes, "as_of": as_of, "unit": unit, "holidays": holidays}
    first = make_episodes(log, "first_response", **kw)
    decision = make_episodes(log, "decision", **kw)
    if (first["entry"] > 0).any() or (decision["entry"] > 0).any():
        # Its baseline hazards count everyone at risk from day 0.
        raise HiringFunnelError(
            "pending_model does not support late entry (a log with observed_from)",
            column="entry",
            code="late_entry_pending",
            hint="read the log without observed_from, or model answers with "
            "cause_specific_cox, which supports late entry",
        )
    missing = [c for c in covs if c not in first.columns]
    if missing:
        raise HiringFunnelError(
            f"no attribute column {missing[0]!r}",
            column=missing[0],
            hint=f"the attributes are {[c for c in first.columns if c not in EPISODE_COLUMNS]}",
        )
    numeric = [
        c
        for c in covs
        if pd.api.types.is_numeric_dtype(first[c]) and not pd.api.types.is_bool_dtype(first[c])
    ]
    if numeric:
        raise HiringFunnelError(
            "is numeric: predictions take categorical attributes",
            column=numeric[0],
            hint="cut it into bands first, e.g. with pandas.cut",
        )
    # A missing attribute is a level of its own, as in summary and the report: an
    # error here would name an episode row that is no line of any file.
    first = missing_as_level(first, covs)
    decision = missing_as_level(decision, covs)
    positive_ids = first.loc[first["cause"] == "positive", "application_id"]
    if positive_ids.empty:
        raise HiringFunnelError(
            "no first answer is positive: the chance of an offer cannot be estimated"
        )
    after = decision[decision["application_id"].isin(positive_ids)].reset_index(drop=True)
    notes: list[str] = [
        "offer_eventually assumes that the chance of an offer after a positive first answer "
        "does not depend on how long that answer took"
    ]
    after_covs = covs
    try:
        main = fit_all(first, after, covs, covs)
    except HiringFunnelError as exc:
        if exc.code != AFTER_FAILED:
            raise
        # Offers are rarer than answers: a level may have none. Then the chance
        # of an offer after a positive answer is taken as the same for all.
        after_covs = ()
        main = fit_all(first, after, covs, after_covs)
        notes.append(
            f"{exc.message}; so the chance of an offer after a positive first answer is taken "
            "as the same for every application (only the first-answer models use the covariates)"
        )
    tables = []
    for name in _MODELS:
        table = main[1].get(name)
        if table is not None:
            tables.append(table.assign(model=name))
            notes += [f"{name}: {n}" for n in main[2].get(name, [])]
    fits = [main[0]]
    failed = 0
    cand_codes, n_cand = candidate_codes(first)
    resampled = "candidates"
    if n_cand < MIN_CANDIDATES:
        # One person's tracker: resampling its only candidate would give the
        # same log every time. The applications are the units then.
        if n_resamples:
            notes.append(
                f"only {n_cand} candidate(s): the bootstrap resamples applications, "
                "as if they were independent"
            )
        cand_codes, n_cand = np.arange(len(first), dtype=np.int64), len(first)
        resampled = "applications"
    if n_resamples:
        rng = np.random.default_rng(seed)
        after_codes = cand_codes[
            pd.Index(first["application_id"]).get_indexer(after["application_id"])
        ]
        for b in range(n_resamples):
            counts = np.bincount(rng.integers(0, n_cand, n_cand), minlength=n_cand)
            try:
                again = fit_all(
                    resample(first, counts[cand_codes]),
                    resample(after, counts[after_codes]),
                    covs,
                    after_covs,
                )
                fits.append(again[0])
            except HiringFunnelError:
                failed += 1
            if progress is not None:
                progress(b + 1, n_resamples)
        if failed == n_resamples:
            raise HiringFunnelError(
                f"none of the {n_resamples} bootstrap resamples could be fitted "
                "(levels without events once resampled)",
                hint="use fewer covariates, merge rare levels, or pass n_resamples=0",
            )
        if failed:
            notes.append(
                f"{failed} of {n_resamples} bootstrap resamples could not be fitted (a level without "
                "events once resampled) and were left out of the intervals"
            )
    levels = {c: sorted(str(v) for v in pd.unique(first[c].dropna())) for c in covs}
    meta: dict[str, Any] = {
        "n": len(first),
        "n_positive": len(after),
        "horizon": float(first["duration"].max()),
        "decision_horizon": float(after["duration"].max()),
        "unit": unit,
        "conf_level": conf_level,
        "n_resamples": n_resamples,
        "n_boot": n_resamples,  # its old name, for one release
        "resampled": resampled,
        "boot_failed": failed,
        "seed": seed,
    }
    hr = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return PendingModel(
        table=hr,
        covariates=covs,
        levels=levels,
        meta=meta,
        notes=tuple(Note("pending_model", n) for n in notes),
        fits=tuple(fits),
    )
