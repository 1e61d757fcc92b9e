"""Predictions for applications still waiting: will it be an offer, an answer this week, and when?

:func:`pending_model` fits, on the ``first_response`` clock, a cause-specific
Cox model of a positive answer and one of a rejection, and, on the clock since
applying, one of every move between the funnel's states.
:func:`~hiring_funnel.regression.prediction.predict_pending` turns them into
Aalen-Johansen curves for each pending application's attributes (each cause's
baseline hazard times its hazard ratio, as R's ``survfit`` on a multi-state
``coxph``) and conditions on the days already waited in silence:

- ``answer_eventually``: P(any answer after s, by the longest wait seen tau);
- ``offer_eventually``: P(an offer by tau | in the row's stage at the end of
  day s since applying), from the funnel as a multi-state model
  (:func:`hiring_funnel.state_paths`): a cause-specific Cox model of every
  move (applied -> screened, interviewed, offer, rejection, withdrawn/closed;
  screened -> ...; interviewed -> ...) on the clock since applying, each row
  of a stage left-truncated at the day after it entered it
  (:mod:`hiring_funnel.regression._stage_hazards`), and their Aalen-Johansen
  product over the days after s, as R's ``survfit`` on
  ``coxph(Surv(tstart, tstop, state) ~ x, id =, istate =)``. So the day of the
  first answer carries into the chance of an offer. The model is Markov on
  the days since applying: the chance of the next move depends on the stage,
  the day since applying and the covariates, not on how long the application
  has been in its stage. Withdrawn/closed is an end without an offer, as in
  the report and :func:`hiring_funnel.still_hope_from`. Without covariates
  it is :func:`hiring_funnel.still_hope_from` exactly;
- ``answer_within``: P(an answer on days s+1 .. s+``within``);
- ``expected_wait_if_answered``: E[T - s | an answer comes after s, by tau],
  in days. An unconditional mean remaining wait does not exist when some
  applications are never answered (ghosting), so the mean is over answers.

The other three quantities are about the first answer, for rows still in
``applied`` (on the ``first_response`` clock, withdrawn/closed censored).
Without covariates the hazards are the Kaplan-Meier / Aalen-Johansen ones
(d / n), so they equal :func:`hiring_funnel.estimators.still_hope`.
Intervals are percentile intervals over a bootstrap of candidates (every
application of a resampled candidate comes along), seeded.

Whole days: the model ignores ``last_day_share`` (:mod:`hiring_funnel.day_boundary`); a
wait censored partway through its last day counts as at risk all of that day here
(issue 15, item 3 leaves the regression models on whole days for now).
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
    FIRST,
    FIRST_FAILED,
    Hazard,
    candidate_codes,
    fit_part,
    resample,
)
from hiring_funnel.regression._stage_hazards import MOVES, fit_moves, move_name, move_rows
from hiring_funnel.results import Note, Result
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.states import state_paths

__all__ = ["MIN_CANDIDATES", "PendingModel", "pending_model"]

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
        The Cox models' tables (column ``model``: positive, rejection on
        the first-response clock; one per move of the funnel, named
        "applied -> screened" etc., on the clock since applying); empty
        without covariates.
    meta : dict
        ``n`` (first-response episodes), ``n_positive`` (positive first
        answers), ``n_paths`` (rows of the state paths), ``horizon`` (tau,
        the longest wait seen on the first-response clock), ``unit``,
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
            f"{m['n']:,} first-response episodes, {m['n_paths']:,} moves between stages",
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
    ties: str = "efron",
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
    ties : {"efron", "breslow"}
        How the Cox models handle answers on the same day (as
        :func:`cause_specific_cox`). R's multi-state ``coxph`` (survival 3.5)
        fits Breslow's whatever its ``ties``; "breslow" gives its numbers.

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
    if (first["entry"] > 0).any():
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
    # As categories, the models check and code each covariate once per level, not per row.
    first = first.assign(**{c: first[c].astype("category") for c in covs})
    if not (first["cause"] == "positive").any():
        raise HiringFunnelError(
            "no first answer is positive: the chance of an offer cannot be estimated"
        )
    paths = state_paths(log, attributes=attributes, as_of=as_of, unit=unit, holidays=holidays)
    by_app = first.drop_duplicates("application_id").set_index("application_id")[list(covs)]
    rows = move_rows(paths, by_app)
    notes: list[str] = [
        "offer_eventually is Markov on the days since applying: the chance of the next move "
        "depends on the stage, the day since applying and the covariates, not on how long "
        "the application has been in its stage; withdrawn/closed ends it without an offer"
    ]
    move_covs = {move_name(h, j): covs for h, j in MOVES}
    if ties not in ("efron", "breslow"):
        raise HiringFunnelError(f'ties must be "efron" or "breslow", not {ties!r}')
    first_part = fit_part(first, FIRST, covs, "first answers", FIRST_FAILED, ties)
    while True:
        try:
            moves, move_tables, _ = fit_moves(rows, move_covs, ties=ties)
            break
        except HiringFunnelError as exc:
            if exc.code != "move_model" or not move_covs.get(exc.data["move"]):
                raise
            # A rare move (an offer straight after applying, a withdrawal after a
            # screen) may have no events in some level: its hazard is then the same for all.
            move_covs[exc.data["move"]] = ()
            notes.append(
                f"{exc.message}; so that move's hazard is taken as the same for every application"
            )
    tables = [first_part[1][n].assign(model=n) for n in ("positive", "rejection") if covs]
    tables += [t.assign(model=n) for n, t in move_tables.items()]
    for name in ("positive", "rejection"):
        notes += [f"{name}: {n}" for n in first_part[2].get(name, [])]
    fits = [{**first_part[0], **moves}]
    failed = n_fell = 0
    fell_back: set[str] = set()
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
        app_index = pd.Index(first["application_id"])
        row_codes = {
            h: cand_codes[app_index.get_indexer(r["application_id"])] for h, r in rows.items()
        }
        for b in range(n_resamples):
            counts = np.bincount(rng.integers(0, n_cand, n_cand), minlength=n_cand)
            try:
                again = fit_part(
                    resample(first, counts[cand_codes]),
                    FIRST,
                    covs,
                    "first answers",
                    FIRST_FAILED,
                    ties,
                )
                again_moves, _, fell = fit_moves(
                    {h: resample(r, counts[row_codes[h]]) for h, r in rows.items()},
                    move_covs,
                    fall_back=True,
                    ties=ties,
                )
                fits.append({**again[0], **again_moves})
                fell_back.update(fell)
                n_fell += bool(fell)
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
        if n_fell:
            notes.append(
                f"in {n_fell} of {n_resamples} bootstrap resamples a level had no events of a "
                f"rare move ({', '.join(sorted(fell_back))}): there that move's hazard was "
                "taken as the same for every application"
            )
        if failed:
            notes.append(
                f"{failed} of {n_resamples} bootstrap resamples could not be fitted (a level without "
                "events once resampled) and were left out of the intervals"
            )
    levels = {c: sorted(str(v) for v in pd.unique(first[c].dropna())) for c in covs}
    meta: dict[str, Any] = {
        "n": len(first),
        "n_positive": int((first["cause"] == "positive").sum()),
        "n_paths": len(paths),
        "horizon": float(first["duration"].max()),
        "unit": unit,
        "conf_level": conf_level,
        "n_resamples": n_resamples,
        "n_boot": n_resamples,  # its old name, for one release
        "resampled": resampled,
        "boot_failed": failed,
        "seed": seed,
        "ties": ties,
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
