"""Predictions for applications still waiting: will it be an offer, an answer this week, and when?

:func:`pending_model` fits, on the ``first_response`` clock, a cause-specific
Cox model of a positive answer and one of a rejection, and, on the
``decision`` clock of the applications whose first answer was positive, one
of an offer and one of a rejection. :func:`predict_pending` turns them into
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

import html
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.clocks import EPISODE_COLUMNS
from hiring_funnel.clocks import episodes as make_episodes
from hiring_funnel.deprecation import keywords_from
from hiring_funnel.estimators.bootstrap import MIN_USABLE_RESAMPLES
from hiring_funnel.regression._checks import MISSING_LEVEL, missing_as_level
from hiring_funnel.regression.cox import cause_specific_cox
from hiring_funnel.schema import EventLog, HiringFunnelError

__all__ = ["PREDICTION_COLUMNS", "QUANTITIES", "PendingModel", "pending_model", "predict_pending"]

#: What :func:`predict_pending` predicts, in the order of its table.
QUANTITIES: tuple[str, ...] = (
    "offer_eventually",
    "answer_eventually",
    "answer_within",
    "expected_wait_if_answered",
)
#: Fixed columns of the prediction table; the covariates follow ``waited``.
PREDICTION_COLUMNS: tuple[str, ...] = (
    "row",
    "waited",
    "quantity",
    "estimate",
    "ci_lower",
    "ci_upper",
)
_MODELS = ("positive", "rejection", "offer", "decision_rejection")
#: With fewer candidates than this the bootstrap resamples applications.
MIN_CANDIDATES = 10


@dataclass(frozen=True)
class _Hazard:
    """One cause's fitted hazard: design terms, coefficients, baseline increments at x = 0."""

    terms: tuple[tuple[str, str | None], ...]
    coef: np.ndarray
    times: np.ndarray
    hazard: np.ndarray


@dataclass(frozen=True)
class PendingModel:
    """Fitted hazards for :func:`predict_pending` (no reference to the log is kept).

    Attributes
    ----------
    covariates : tuple of str
        The attribute columns the predictions depend on.
    levels : dict
        Covariate -> the levels seen in the log (a prediction for another level
        is an error).
    hazard_ratios : DataFrame
        The four Cox models' tables (column ``model``: positive, rejection on
        the first-response clock; offer, decision_rejection on the decision
        clock after a positive first answer); empty without covariates.
    meta : dict
        ``n`` (first-response episodes), ``n_positive`` (decision episodes
        after a positive first answer), ``horizon`` (tau, the longest wait seen
        on the first-response clock), ``decision_horizon``, ``unit``,
        ``conf_level``, ``n_resamples`` (also as ``n_boot``, its old name), ``resampled`` ("candidates", or
        "applications" when the log has fewer than :data:`MIN_CANDIDATES`
        candidates), ``boot_failed``, ``seed`` and ``notes``.
    """

    covariates: tuple[str, ...]
    levels: dict[str, list[str]]
    hazard_ratios: pd.DataFrame
    meta: dict[str, Any]
    fits: tuple[dict[str, _Hazard], ...] = field(repr=False)

    def _repr_html_(self) -> str:
        m = self.meta
        covs = ", ".join(self.covariates) or "none"
        notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in m["notes"])
        return (
            "<div><strong>Pending-application model</strong>"
            f"<p>covariates: {html.escape(covs)}; {m['n']:,} first-response episodes, "
            f"{m['n_positive']:,} decisions after a positive answer; "
            f"{m['n_resamples']} bootstrap resamples of {m['resampled']} (seed {m['seed']})</p>"
            + (f"<ul>{notes}</ul>" if notes else "")
            + "</div>"
        )


@dataclass(frozen=True)
class PendingPrediction:
    """What :func:`predict_pending` returns.

    Attributes
    ----------
    table : DataFrame
        Long and tidy: one row per pending row and quantity
        (:data:`QUANTITIES`), columns :data:`PREDICTION_COLUMNS` with the
        covariates after ``waited``. ``row`` is the position in ``waiting``.
    meta : dict
        ``within`` (days), ``horizon``, ``conf_level``, ``n_resamples`` (also ``n_boot``) and ``notes``.
    """

    table: pd.DataFrame
    meta: dict[str, Any]

    def wide(self) -> pd.DataFrame:
        """One row per pending application, a column per quantity and bound."""
        t = self.table
        keys = [c for c in t.columns if c not in ("quantity", "estimate", "ci_lower", "ci_upper")]
        out = t.pivot(index="row", columns="quantity", values=["estimate", "ci_lower", "ci_upper"])
        out.columns = [f"{q}_{v}" if v != "estimate" else q for v, q in out.columns]
        order = [f"{q}{s}" for q in QUANTITIES for s in ("", "_ci_lower", "_ci_upper")]
        first = t.drop_duplicates("row").set_index("row")[[k for k in keys if k != "row"]]
        return first.join(out[order]).reset_index()

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in self.meta["notes"])
        return (
            "<div><strong>Predictions for pending applications</strong>"
            + (f"<ul>{notes}</ul>" if notes else "")
            + self.wide().to_html(index=False, float_format=lambda x: f"{x:.3g}", na_rep="")
            + "</div>"
        )


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
    """Fit the hazards behind :func:`predict_pending`.

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
        main = _fit_all(first, after, covs, covs)
    except HiringFunnelError as exc:
        if "decisions after a positive first answer" not in exc.message:
            raise
        # Offers are rarer than answers: a level may have none. Then the chance
        # of an offer after a positive answer is taken as the same for all.
        after_covs = ()
        main = _fit_all(first, after, covs, after_covs)
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
    cand_codes, n_cand = _candidate_codes(first)
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
                again = _fit_all(
                    _resample(first, counts[cand_codes]),
                    _resample(after, counts[after_codes]),
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
        "notes": notes,
    }
    hr = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return PendingModel(covs, levels, hr, meta, tuple(fits))


def predict_pending(
    model: PendingModel,
    waiting: pd.DataFrame,
    *,
    waited: str = "waited",
    within: float = 7.0,
    lines: Sequence[int] | np.ndarray | None = None,
    horizon: float | None = None,
) -> PendingPrediction:
    """Predict, for applications still waiting, the chance of an offer, of an answer soon, and when.

    Parameters
    ----------
    model : PendingModel
        From :func:`pending_model`.
    waiting : DataFrame
        One row per pending application: ``waited`` (days of silence so far,
        in the model's unit) and the model's covariates. Other columns are
        ignored and never copied to the output (they may hold identifiers).
    waited : str
        The column with the days waited.
    within : float
        The window of ``answer_within``, in days after ``waited``.
    lines : sequence of int, optional
        The line of each row in the file it came from: the notes then name
        lines, not row positions (the command line passes them).
    horizon : float, optional
        The day after applying by which "eventually" and "within" are counted
        (the command line passes the report's: :func:`hiring_funnel.headline.horizon_of`).
        Default, and at most: the longest wait seen on the first-response clock.

    Returns
    -------
    PendingPrediction
        ``table`` (long), ``wide()`` and ``meta``. A row waited past the
        longest wait seen gets NaN, named in ``meta["notes"]``.

    Raises
    ------
    HiringFunnelError
        Naming the row and column of a missing column, a negative or missing
        number of days, or a level the model has not seen.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> sim = hf.simulate(3000, seed=2)
    >>> model = pending_model(sim.events, attributes=sim.attributes, as_of=sim.as_of, n_resamples=0)
    >>> pred = predict_pending(model, pd.DataFrame({"waited": [0, 30]}))
    >>> bool(pred.wide()["offer_eventually"].is_monotonic_decreasing)
    True
    """
    s, frame, unseen = _check_waiting(model, waiting, waited)
    if not within > 0:
        raise HiringFunnelError(f"within must be a positive number of days, not {within!r}")
    shown = frame
    if unseen.any():  # computed with a level the model knows, then set to NaN
        frame = frame.copy()
        for col in model.covariates:
            blank = (frame[col] == MISSING_LEVEL).to_numpy(dtype=bool, na_value=False)
            if MISSING_LEVEL not in model.levels[col]:
                frame.loc[blank, col] = model.levels[col][0]
    patterns, pattern_of = _patterns(frame, model.covariates)
    tau = _check_horizon(model, horizon)
    per_fit = np.stack([_quantities(f, patterns, pattern_of, s, within, tau) for f in model.fits])
    per_fit[:, :, (s >= tau) | unseen] = np.nan
    frame = shown
    estimate = per_fit[0]
    alpha = (1 - model.meta["conf_level"]) / 2
    usable = np.isfinite(per_fit[1:]).sum(axis=0)
    lower = upper = np.full_like(estimate, np.nan)
    if len(per_fit) > 1:
        boots = per_fit[1:]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
            lower = np.nanquantile(boots, alpha, axis=0)
            upper = np.nanquantile(boots, 1 - alpha, axis=0)
        # A percentile interval from a handful of resamples is the spread of those
        # few, not a 95% interval: below the minimum none is given.
        thin = np.isnan(estimate) | (usable < MIN_USABLE_RESAMPLES)
        lower = np.where(thin, np.nan, lower)
        upper = np.where(thin, np.nan, upper)
    n, q = len(s), len(QUANTITIES)
    table = pd.DataFrame(
        {
            "row": np.repeat(np.arange(n), q),
            "waited": np.repeat(s, q),
            **{c: np.repeat(frame[c].to_numpy(dtype=object), q) for c in model.covariates},
            "quantity": np.tile(QUANTITIES, n),
            "estimate": estimate.T.reshape(-1),
            "ci_lower": lower.T.reshape(-1),
            "ci_upper": upper.T.reshape(-1),
        }
    )
    notes = []
    if unseen.any():
        notes.append(
            f"{int(unseen.sum())} row(s) have no value for a covariate, and the log has no "
            f"application without one to learn from (first: {_where(int(np.argmax(unseen)), lines)}); "
            "their estimates are NaN"
        )
    longest = float(model.meta["horizon"])
    late = np.flatnonzero(s >= longest)
    if late.size:
        notes.append(
            f"{late.size} row(s) waited {longest:g} days or more, the longest wait seen in the "
            f"log: nothing is known after that (first: {_where(int(late[0]), lines)}); their "
            "estimates are NaN"
        )
    past = np.flatnonzero((s >= tau) & (s < longest))
    if past.size:
        notes.append(
            f"{past.size} row(s) waited {tau:g} days or more, the horizon of the predictions: "
            f"nothing is counted after it (first: {_where(int(past[0]), lines)}); their "
            "estimates are NaN"
        )
    soon = np.flatnonzero((s < tau) & (s + within > tau))
    if soon.size:
        notes.append(
            f"{soon.size} row(s) reach past day {tau:g} within {within:g} days; answer_within "
            "counts only answers up to that day"
        )
    if len(per_fit) == 1:
        notes.append("no bootstrap (n_resamples=0): no intervals")
    else:
        short = np.isfinite(estimate) & (usable < MIN_USABLE_RESAMPLES)
        if short.any():
            notes.append(
                f"no interval where fewer than {MIN_USABLE_RESAMPLES} bootstrap resamples could be "
                f"used (at most {int(usable[short].max())} of {len(per_fit) - 1} here): a "
                "percentile interval needs more; use n_resamples=200 (--resamples 200) or more"
            )
    meta = {
        "within": within,
        "horizon": tau,
        "conf_level": model.meta["conf_level"],
        "n_resamples": len(per_fit) - 1,
        "n_boot": len(per_fit) - 1,  # its old name, for one release
        "notes": notes,
    }
    return PendingPrediction(table, meta)


def _check_horizon(model: PendingModel, horizon: float | None) -> float:
    """The horizon of the predictions: the given one, at most the longest first-response wait."""
    longest = float(model.meta["horizon"])
    if horizon is None:
        return longest
    tau = float(horizon)
    if not (np.isfinite(tau) and tau > 0):
        raise HiringFunnelError(f"horizon must be a positive number of days, not {horizon!r}")
    if tau > longest:
        raise HiringFunnelError(
            f"horizon {tau:g} is past the longest wait seen for a first answer ({longest:g} days)",
            hint=f"use a horizon of {longest:g} days or less",
        )
    return tau


def _candidate_codes(first: pd.DataFrame) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(first["candidate_id"].astype(str))
    return codes.astype(np.int64), len(uniques)


def _resample(ep: pd.DataFrame, times: np.ndarray) -> pd.DataFrame:
    return ep.take(np.repeat(np.arange(len(ep)), times)).reset_index(drop=True)


_Part = tuple[dict[str, _Hazard], dict[str, pd.DataFrame], dict[str, list[str]]]
#: The two models of each part: (hazard name, cause).
_FIRST = (("positive", "positive"), ("rejection", "rejection"))
_AFTER = (("offer", "offer"), ("decision_rejection", "rejection"))


def _fit_part(
    ep: pd.DataFrame, models: tuple[tuple[str, str], ...], covs: tuple[str, ...], where: str
) -> _Part:
    """Two cause-specific hazards of one clock; their Cox tables and notes (none without covs)."""
    hazards: dict[str, _Hazard] = {}
    tables: dict[str, pd.DataFrame] = {}
    notes: dict[str, list[str]] = {}
    for name, cause in models:
        if not covs:
            hazards[name] = _nonparametric(ep, cause)
            continue
        try:
            fit = cause_specific_cox(ep, cause=cause, covariates=covs)
        except HiringFunnelError as exc:
            raise HiringFunnelError(
                f"the {cause!r} model of {where}: {exc.message}",
                column=exc.column,
                hint=exc.hint,
            ) from None
        terms = tuple(zip(fit.table["term"], fit.table["level"], strict=True))
        hazards[name] = _Hazard(
            terms,
            fit.table["coef"].to_numpy(),
            fit.baseline["time"].to_numpy(),
            fit.baseline["hazard"].to_numpy(),
        )
        tables[name] = fit.table
        notes[name] = list(fit.meta["notes"])
    return hazards, tables, notes


def _fit_all(
    first: pd.DataFrame,
    after: pd.DataFrame,
    covs: tuple[str, ...],
    after_covs: tuple[str, ...],
) -> _Part:
    """The four hazards: first answers on ``covs``, offers after a positive one on ``after_covs``."""
    one = _fit_part(first, _FIRST, covs, "first answers")
    two = _fit_part(after, _AFTER, after_covs, "decisions after a positive first answer")
    return ({**one[0], **two[0]}, {**one[1], **two[1]}, {**one[2], **two[2]})


def _nonparametric(ep: pd.DataFrame, cause: str) -> _Hazard:
    """d_k / n at each event time (Aalen-Johansen), as a hazard with no covariates."""
    duration = ep["duration"].to_numpy(dtype=np.float64)
    is_event = (ep["cause"] == cause).to_numpy(dtype=bool, na_value=False)
    times, inv = np.unique(duration, return_inverse=True)
    exits = np.bincount(inv, minlength=times.size)
    at_risk = exits[::-1].cumsum()[::-1]
    events = np.bincount(inv, weights=is_event, minlength=times.size)
    keep = events > 0
    return _Hazard((), np.zeros(0), times[keep], events[keep] / at_risk[keep])


def _check_waiting(
    model: PendingModel, waiting: pd.DataFrame, waited: str
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Days waited, the rows as a frame (missing values as their level), and which rows
    have a missing value the model never saw (they get NaN)."""
    if not isinstance(waiting, pd.DataFrame):
        raise HiringFunnelError("waiting must be a DataFrame with one row per pending application")
    for col in (waited, *model.covariates):
        if col not in waiting.columns:
            raise HiringFunnelError(
                f"no column {col!r}",
                column=col,
                hint=f"waiting needs {[waited, *model.covariates]}",
            )
    waiting = missing_as_level(waiting.reset_index(drop=True), model.covariates)
    s = pd.to_numeric(waiting[waited], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(s) | (s < 0))
    if bad.size:
        row = int(bad[0])
        raise HiringFunnelError(
            f"row {row}: {str(waiting[waited].iloc[row])!r} is not a number of days waited "
            "(0 or more)",
            column=waited,
            hint="give whole days since applying (or since the answer was due)",
        )
    frame = waiting.reset_index(drop=True)
    unseen = np.zeros(len(frame), dtype=bool)
    for col in model.covariates:
        values = frame[col].astype("string")
        known = set(model.levels[col])
        # A missing value the log never had cannot be predicted: NaN, with a note.
        blank = (values == MISSING_LEVEL).to_numpy(dtype=bool, na_value=False)
        blank &= MISSING_LEVEL not in known
        unseen |= blank
        unknown = np.flatnonzero(~values.isin(known).to_numpy(dtype=bool, na_value=False) & ~blank)
        if unknown.size:
            row = int(unknown[0])
            raise HiringFunnelError(
                f"row {row}: level {frame[col].iloc[row]!r} was not seen in the log",
                column=col,
                hint=f"the levels are {model.levels[col]}",
            )
    return s, frame, unseen


def _where(row: int, lines: Sequence[int] | np.ndarray | None) -> str:
    """A row named as a line of its file when the lines are known, else by position."""
    return f"row {row}" if lines is None else f"line {int(lines[row])}"


def _patterns(frame: pd.DataFrame, covs: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    if not covs:
        return pd.DataFrame(index=[0]), np.zeros(len(frame), dtype=np.int64)
    keys = frame[list(covs)].astype("string")
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    patterns = pd.DataFrame(list(uniques), columns=list(covs))
    return patterns, codes.astype(np.int64)


def _hazard_on(h: _Hazard, patterns: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    """Hazard increments of each pattern (rows) on the grid (columns)."""
    x = np.zeros((len(patterns), len(h.terms)))
    for j, (term, level) in enumerate(h.terms):
        col = patterns[term]
        x[:, j] = (col == level).to_numpy(dtype=float) if level is not None else col.to_numpy(float)
    out = np.zeros((len(patterns), grid.size))
    out[:, np.searchsorted(grid, h.times)] = np.outer(np.exp(x @ h.coef), h.hazard)
    return out


def _aalen_johansen(
    a: _Hazard, b: _Hazard, patterns: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Grid, S(t), F_a(t), F_b(t) per pattern from two cause-specific hazards."""
    grid = np.union1d(a.times, b.times)
    da = _hazard_on(a, patterns, grid)
    db = _hazard_on(b, patterns, grid)
    # Cox increments can sum past 1 at a late time with few at risk; clip as R does.
    surv = np.cumprod(np.clip(1.0 - da - db, 0.0, 1.0), axis=1)
    before = np.hstack([np.ones((len(patterns), 1)), surv[:, :-1]])
    return grid, surv, np.cumsum(before * da, axis=1), np.cumsum(before * db, axis=1)


def _quantities(
    fit: dict[str, _Hazard],
    patterns: pd.DataFrame,
    pattern_of: np.ndarray,
    s: np.ndarray,
    within: float,
    tau: float,
) -> np.ndarray:
    """Array (quantity, row) of the four quantities under one set of hazards, up to day tau."""
    grid, surv, f_pos, _ = _aalen_johansen(fit["positive"], fit["rejection"], patterns)
    grid_offer, _, f_offer, _ = _aalen_johansen(fit["offer"], fit["decision_rejection"], patterns)
    pad_s = np.hstack([np.ones((len(patterns), 1)), surv])
    pad_f = np.hstack([np.zeros((len(patterns), 1)), f_pos])
    pad_offer = np.hstack([np.zeros((len(patterns), 1)), f_offer])
    i = pattern_of
    at_s = np.searchsorted(grid, s, side="right")  # padded index of the last time <= s
    at_w = np.searchsorted(grid, np.minimum(s + within, tau), side="right")
    at_tau = int(np.searchsorted(grid, tau, side="right"))
    offer_tau = int(np.searchsorted(grid_offer, tau, side="right"))
    s_s = pad_s[i, at_s]
    s_tau = pad_s[i, at_tau]
    with np.errstate(divide="ignore", invalid="ignore"):
        positive_later = (pad_f[i, at_tau] - pad_f[i, at_s]) / s_s
        offer = positive_later * pad_offer[i, offer_tau]
        answer = (s_s - s_tau) / s_s
        soon = (s_s - pad_s[i, at_w]) / s_s
        # E[T - s | s < T <= tau]: each later day's share of the answers still to come.
        drop = pad_s[:, :-1] - pad_s[:, 1:]
        later = (grid[None, :] > s[:, None]) & (grid[None, :] <= tau)
        wait = ((grid[None, :] - s[:, None]) * drop[i] * later).sum(axis=1) / (s_s - s_tau)
    out = np.vstack([offer, answer, soon, wait])
    out[:, s_s <= 0] = np.nan
    # No answer left to come: the mean wait of the answers is undefined.
    out[3, (s_s - s_tau) <= 0] = np.nan
    return out
