"""The generative model behind :mod:`hiring_funnel.simulate`, and its true quantities.

Kept apart from the sampler so that tests and notebooks can compute what an
estimator *should* find (from ``truth`` alone, e.g. read back from
``truth.json``) without running the simulation.

The model, per application (all times in days, log-normal with the stated
median and log-scale ``sigma``; every employer time is multiplied by the
application's ``time_scale`` for its industry and company size):

1. Covariates: ``company_size`` and ``industry`` belong to the company,
   ``role_level`` and a quality ``z ~ N(0, 1)`` to the candidate, ``source``
   and ``remote`` to the application.
2. First response: ghosted (never answered) with probability
   ``expit(ghost_intercept + sum of ghost_effects + ghost_candidate_effect * z)``;
   otherwise positive with probability
   ``expit(positive_intercept + sum of positive_effects + positive_candidate_effect * z)``,
   else a rejection. The waiting time is log-normal per cause
   (``first_positive_*``, ``first_rejection_*``).
3. After a positive first answer: a phone screen (probability
   ``screen_probability``) then 1-3 interview rounds (``interview_rounds``).
   After each step the employer advances, rejects or goes silent
   (``after_screen``, ``after_interview``, ``after_final_interview``); an
   offer comes late (``late_offer_*``, not scaled by ``time_scale``: it waits on
   other candidates, not on the employer's pace) with probability
   ``late_offer_probability``.
4. Independently of all that, the candidate withdraws
   (``withdraw_probability``) and the posting is closed (``close_probability``)
   at log-normal times after the application; the first of them ends the
   application if it is still open. Nothing after ``as_of`` is recorded.
5. Follow-ups by the candidate while waiting have no effect on the employer.
6. With ``office_hours``, a response lands on its calendar day at a uniform
   time in working hours, and one falling on a weekend moves to Monday unless
   it is among the ``weekend_keep`` share. This shifts recorded times by less
   than a day, or up to three days for weekend moves; the true curves below
   describe the times before this shift (exact when ``office_hours=False``).

Because withdrawal, closing and the as-of date are independent of the
employer's answer, they are independent censoring: Aalen-Johansen on the
``first_response`` clock estimates :func:`true_first_response_cif`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from hiring_funnel.schema import HiringFunnelError

#: Covariates that change the ghosting, positive-answer or time model.
FACTORS: tuple[str, ...] = ("company_size", "industry", "role_level", "source", "remote")
#: Causes on the first_response clock (DESIGN.md, "Clocks").
CAUSES: tuple[str, ...] = ("positive", "rejection")

#: One-line summary of the generative model, stored in ``truth["model"]``.
MODEL: tuple[str, ...] = (
    "covariates: company_size, industry per company; role_level, quality z~N(0,1) per candidate;"
    " source, remote per application",
    "first response: ghosted with p=expit(ghost_intercept+ghost_effects+ghost_candidate_effect*z),"
    " else positive with p=expit(positive_intercept+positive_effects+positive_candidate_effect*z),"
    " else rejection",
    "times: log-normal(median*time_scale[industry]*time_scale[company_size], sigma) per cause,"
    " days after the previous response (first_* for the first response; late offers unscaled)",
    "after positive: screen (screen_probability), 1-3 interview rounds (interview_rounds);"
    " each step advances/rejects/ghosts (after_*); offers late with late_offer_probability",
    "censoring: withdrawn and closed at independent log-normal times after applying,"
    " recorded if the application is still open; nothing after as_of",
    "follow_up: candidate nudges after follow_up_*_days while waiting; no effect on the employer",
    "office_hours: responses at uniform working-hours times, weekend ones moved to Monday"
    " unless in the weekend_keep share",
)

# Gauss-Hermite (probabilists') nodes integrate the candidate quality z ~ N(0, 1)
# out of the logistic models; 40 nodes are exact to ~1e-12 for these smooth curves.
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def _dist(**kw: float) -> Any:
    return field(default_factory=lambda: dict(kw))


@dataclass(frozen=True)
class SimulationParams:
    """Every number the simulator uses; keyword arguments of ``simulate`` override them.

    Distributions (``company_size``, ``industry``, ``role_level``, ``source``,
    ``remote``, ``interview_rounds``, ``after_*``) are dicts of level to
    probability summing to 1. Effects are logit shifts per factor and level
    (a missing level counts as 0); ``time_scale`` multiplies employer times.

    Examples
    --------
    >>> SimulationParams(withdraw_probability=0.0).withdraw_probability
    0.0
    """

    as_of: str = "2026-11-20T17:00:00Z"
    horizon_days: float = 300.0
    search_days_min: float = 30.0
    search_days_max: float = 150.0
    mean_applications_per_candidate: float = 7.0
    max_applications_per_candidate: int = 15
    applications_per_company: float = 6.0
    # Shares of companies; big employers attract more applications (company_size_pull).
    company_size: dict[str, float] = field(
        default_factory=lambda: {"1-50": 0.35, "51-500": 0.3, "501-5000": 0.2, "5000+": 0.15}
    )
    company_size_pull: dict[str, float] = field(
        default_factory=lambda: {"1-50": 1.0, "51-500": 1.5, "501-5000": 2.5, "5000+": 4.0}
    )
    industry: dict[str, float] = _dist(
        software=0.3, finance=0.15, healthcare=0.15, retail=0.15, government=0.1, restaurants=0.15
    )
    role_level: dict[str, float] = _dist(intern=0.1, entry=0.4, mid=0.35, senior=0.15)
    source: dict[str, float] = field(
        default_factory=lambda: {
            "linkedin": 0.45,
            "job board": 0.25,
            "company site": 0.2,
            "referral": 0.1,
        }
    )
    remote: dict[str, float] = field(default_factory=lambda: {"True": 0.3, "False": 0.7})
    ghost_intercept: float = -1.15
    ghost_effects: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "company_size": {"1-50": -0.2, "501-5000": 0.2, "5000+": 0.4},
            "industry": {
                "finance": 0.1,
                "healthcare": -0.1,
                "retail": 0.2,
                "government": -0.6,
                "restaurants": 0.3,
            },
            "role_level": {"intern": 0.3, "entry": 0.2, "senior": -0.2},
            "source": {"linkedin": 0.3, "job board": 0.4, "referral": -1.2},
            "remote": {"True": 0.3},
        }
    )
    ghost_candidate_effect: float = -0.4
    positive_intercept: float = -0.85
    positive_effects: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "role_level": {"intern": -0.2, "mid": 0.1, "senior": -0.1},
            "source": {"linkedin": -0.2, "job board": -0.3, "referral": 1.2},
            "remote": {"True": -0.3},
        }
    )
    positive_candidate_effect: float = 0.6
    first_positive_median_days: float = 3.0
    first_positive_sigma: float = 0.9
    first_rejection_median_days: float = 7.0
    first_rejection_sigma: float = 1.0
    # Glassdoor: government about 54 days to a decision, restaurants about 10.
    time_scale: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "industry": {
                "software": 1.0,
                "finance": 1.2,
                "healthcare": 1.1,
                "retail": 0.8,
                "government": 2.5,
                "restaurants": 0.45,
            },
            "company_size": {"1-50": 0.7, "51-500": 0.9, "501-5000": 1.1, "5000+": 1.3},
        }
    )
    screen_probability: float = 0.8
    interview_rounds: dict[str, float] = field(
        default_factory=lambda: {"1": 0.3, "2": 0.45, "3": 0.25}
    )
    after_screen: dict[str, float] = _dist(advance=0.6, rejection=0.25, ghosted=0.15)
    after_interview: dict[str, float] = _dist(advance=0.65, rejection=0.2, ghosted=0.15)
    after_final_interview: dict[str, float] = _dist(offer=0.45, rejection=0.4, ghosted=0.15)
    advance_median_days: float = 5.0
    advance_sigma: float = 0.7
    stage_rejection_median_days: float = 8.0
    stage_rejection_sigma: float = 0.8
    offer_median_days: float = 6.0
    offer_sigma: float = 0.7
    late_offer_probability: float = 0.1
    late_offer_median_days: float = 40.0
    late_offer_sigma: float = 0.25
    withdraw_probability: float = 0.07
    withdraw_median_days: float = 20.0
    withdraw_sigma: float = 0.9
    close_probability: float = 0.06
    close_median_days: float = 25.0
    close_sigma: float = 0.7
    follow_up_probability: float = 0.35
    follow_up_min_days: float = 5.0
    follow_up_max_days: float = 12.0
    second_follow_up_probability: float = 0.3
    second_follow_up_min_days: float = 7.0
    second_follow_up_max_days: float = 14.0
    office_hours: bool = True
    weekend_keep: float = 0.12
    work_start_hour: float = 8.0
    work_end_hour: float = 18.0


_DISTRIBUTIONS = (
    "company_size",
    "industry",
    "role_level",
    "source",
    "remote",
    "interview_rounds",
    "after_screen",
    "after_interview",
    "after_final_interview",
)


def make_params(overrides: Mapping[str, Any]) -> SimulationParams:
    """Defaults updated by ``overrides``, checked; a bad name or value raises.

    Examples
    --------
    >>> make_params({"office_hours": False}).office_hours
    False
    """
    names = {f.name for f in dataclasses.fields(SimulationParams)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise HiringFunnelError(
            f"unknown simulation parameter(s) {', '.join(unknown)}",
            hint="see hiring_funnel.simulate.model.SimulationParams for the names",
        )
    params = SimulationParams(**overrides)
    for name in _DISTRIBUTIONS:
        dist = getattr(params, name)
        values = np.asarray(list(dist.values()), dtype=float)
        if values.size == 0 or (values < 0).any() or abs(values.sum() - 1.0) > 1e-9:
            raise HiringFunnelError(
                f"simulation parameter {name!r} must map levels to probabilities summing to 1",
                hint=f"got {dist!r}",
            )
    if set(params.remote) - {"True", "False"}:
        raise HiringFunnelError("simulation parameter 'remote' takes levels 'True' and 'False'")
    if set(params.interview_rounds) - {"1", "2", "3"}:
        raise HiringFunnelError("simulation parameter 'interview_rounds' takes levels '1'-'3'")
    for name in ("withdraw_probability", "close_probability", "screen_probability", "weekend_keep"):
        if not 0.0 <= getattr(params, name) <= 1.0:
            raise HiringFunnelError(f"simulation parameter {name!r} must be in [0, 1]")
    return params


def check_count(value: Any, name: str) -> int:
    """``value`` as a positive int; anything else (a bool, a float, 0) raises naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise HiringFunnelError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise HiringFunnelError(f"{name} must be at least 1, got {value}")
    return int(value)


def export_date(params: SimulationParams) -> pd.Timestamp:
    """``params.as_of`` as a UTC timestamp in whole seconds; not a date raises."""
    try:
        as_of = pd.Timestamp(params.as_of)
    except ValueError as err:
        raise HiringFunnelError(
            f"as_of {params.as_of!r} is not a date", hint="use ISO 8601"
        ) from err
    return (as_of.tz_localize("UTC") if as_of.tz is None else as_of.tz_convert("UTC")).floor("s")


@dataclass(frozen=True)
class CombinationCounts:
    """How many applications have each combination of levels of :data:`FACTORS`.

    What the realised-sample truth needs of the applications, kept instead of
    them when a log is simulated in blocks (:mod:`hiring_funnel.simulate.files`).
    ``frame`` has the factors' columns (level text, as ``str`` of the
    attribute) and ``count``, one row per combination present, sorted by the
    levels as a groupby of the attributes sorts them; it can stand for the
    ``attributes`` of the functions below.
    """

    frame: pd.DataFrame


#: Realised covariates: the applications' attributes, or their combination counts.
Realised: TypeAlias = pd.DataFrame | CombinationCounts


def level_table(
    params_or_truth: SimulationParams | Mapping[str, Any],
) -> dict[str, dict[str, float]]:
    """Probability of each level per application, for each factor in :data:`FACTORS`.

    Company size is drawn per company, but a big company gets more applications,
    so per application its share is proportional to share times pull.
    """
    p = _as_dict(params_or_truth)
    pulled = {k: v * p["company_size_pull"].get(k, 1.0) for k, v in p["company_size"].items()}
    total = sum(pulled.values())
    table = {f: dict(p[f]) for f in FACTORS}
    table["company_size"] = {k: v / total for k, v in pulled.items()}
    return table


def _as_dict(params_or_truth: SimulationParams | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(params_or_truth, SimulationParams):
        return dataclasses.asdict(params_or_truth)
    if "params" in params_or_truth:
        return dict(params_or_truth["params"])
    return dict(params_or_truth)


def _combinations(p: dict[str, Any], attributes: Realised | None) -> pd.DataFrame:
    """One row per covariate combination with its weight (summing to 1)."""
    if isinstance(attributes, CombinationCounts):
        frame = attributes.frame.loc[:, list(FACTORS)].reset_index(drop=True)
        frame["weight"] = attributes.frame["count"].to_numpy() / attributes.frame["count"].sum()
        return frame
    if attributes is None:
        table = level_table(p)
        grid = pd.MultiIndex.from_product([list(table[f]) for f in FACTORS], names=FACTORS)
        frame = grid.to_frame(index=False)
        weight = np.ones(len(frame))
        for f in FACTORS:
            weight *= frame[f].map(table[f]).to_numpy(dtype=float)
        frame["weight"] = weight
        return frame[frame["weight"] > 0].reset_index(drop=True)
    if len(attributes) == 0:
        raise HiringFunnelError("attributes must have at least one row")
    cols = attributes[list(FACTORS)].astype(str)
    counts = cols.groupby(list(FACTORS), observed=True).size()
    frame = counts.reset_index(name="weight")
    frame["weight"] = frame["weight"] / len(attributes)
    return frame


def _linear(frame: pd.DataFrame, intercept: float, effects: Mapping[str, Any]) -> np.ndarray:
    lp = np.full(len(frame), float(intercept))
    for factor, shifts in effects.items():
        lp += frame[factor].map(lambda v, s=shifts: s.get(v, 0.0)).to_numpy(dtype=float)
    return lp


def _first_response_parts(
    p: dict[str, Any], attributes: Realised | None
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Weights, P(first answer is cause k) and log-median of its time, per combination."""
    combos = _combinations(p, attributes)
    ghost_lp = _linear(combos, p["ghost_intercept"], p["ghost_effects"])[:, None]
    pos_lp = _linear(combos, p["positive_intercept"], p["positive_effects"])[:, None]
    z = _GH_NODES[None, :]
    answered = 1.0 - expit(ghost_lp + p["ghost_candidate_effect"] * z)
    positive = expit(pos_lp + p["positive_candidate_effect"] * z)
    share = {
        "positive": (answered * positive) @ _GH_WEIGHTS,
        "rejection": (answered * (1.0 - positive)) @ _GH_WEIGHTS,
    }
    log_scale = np.zeros(len(combos))
    for factor, scales in p["time_scale"].items():
        log_scale += np.log(combos[factor].map(lambda v, s=scales: s.get(v, 1.0)).to_numpy(float))
    log_median = {
        "positive": np.log(p["first_positive_median_days"]) + log_scale,
        "rejection": np.log(p["first_rejection_median_days"]) + log_scale,
    }
    return combos["weight"].to_numpy(dtype=float), share, log_median


def true_first_response_cif(
    truth: Mapping[str, Any], days: np.ndarray, attributes: Realised | None = None
) -> dict[str, np.ndarray]:
    """True cumulative incidence of the first response by cause, without censoring.

    F_k(t) = sum over covariate combinations c of w_c * P(first answer is k | c)
    * LogNormalCDF(t; median_k(c), sigma_k), the candidate quality integrated
    out. Ghosted applications never answer, so F_positive + F_rejection tends
    to one minus the ghosting share. The weekend and working-hours shift of
    ``office_hours=True`` is not included (it delays answers by < 1 day mostly).

    Parameters
    ----------
    truth : mapping
        ``SimulatedLog.truth`` or the loaded ``truth.json``.
    days : array of float
        Days since the application.
    attributes : DataFrame, optional
        Average over these applications' covariates (the realised sample)
        instead of the population distribution in ``truth``.

    Returns
    -------
    dict
        ``{"positive": array, "rejection": array}`` shaped like ``days``.

    Examples
    --------
    >>> from hiring_funnel.simulate import simulate
    >>> log = simulate(200, seed=1)
    >>> cif = true_first_response_cif(log.truth, np.array([0.0, 7.0, 1e6]))
    >>> bool(cif["positive"][0] == 0.0 and cif["rejection"][1] > 0.1)
    True
    """
    p = _as_dict(truth)
    t = np.asarray(days, dtype=float)
    weight, share, log_median = _first_response_parts(p, attributes)
    with np.errstate(divide="ignore"):
        log_t = np.log(np.maximum(t, 0.0)).reshape(-1)
    sigma = {"positive": p["first_positive_sigma"], "rejection": p["first_rejection_sigma"]}
    out = {}
    for cause in CAUSES:
        cdf = ndtr((log_t[None, :] - log_median[cause][:, None]) / sigma[cause])
        out[cause] = ((weight * share[cause]) @ cdf).reshape(t.shape)
    return out


def true_outcome_probabilities(
    truth: Mapping[str, Any], attributes: Realised | None = None
) -> dict[str, float]:
    """True probabilities of the outcomes of an application left uncensored.

    Returns ``ghosted`` (never answered), ``first_positive``,
    ``first_rejection``, ``offer`` and ``rejection`` (a rejection at any stage),
    ``silent_after_positive`` (answered positively once, then no decision) and
    ``offer_given_interview`` (offer among applications that reach an interview).

    Examples
    --------
    >>> from hiring_funnel.simulate import simulate
    >>> probs = true_outcome_probabilities(simulate(100, seed=1).truth)
    >>> round(probs["ghosted"] + probs["first_positive"] + probs["first_rejection"], 9)
    1.0
    """
    p = _as_dict(truth)
    weight, share, _ = _first_response_parts(p, attributes)
    first_pos = float(weight @ share["positive"])
    first_rej = float(weight @ share["rejection"])
    scr, mid, fin = p["after_screen"], p["after_interview"], p["after_final_interview"]
    # Chain of stages: an application that reached the first interview passes
    # rounds-1 intermediate rounds then the final one.
    offer_i = rej_i = 0.0
    for rounds, pr in p["interview_rounds"].items():
        reach = 1.0
        for _ in range(int(rounds) - 1):
            rej_i += pr * reach * mid.get("rejection", 0.0)
            reach *= mid.get("advance", 0.0)
        offer_i += pr * reach * fin.get("offer", 0.0)
        rej_i += pr * reach * fin.get("rejection", 0.0)
    s = p["screen_probability"]
    offer_pos = s * scr.get("advance", 0.0) * offer_i + (1 - s) * offer_i
    rej_pos = s * (scr.get("rejection", 0.0) + scr.get("advance", 0.0) * rej_i) + (1 - s) * rej_i
    return {
        "ghosted": 1.0 - first_pos - first_rej,
        "first_positive": first_pos,
        "first_rejection": first_rej,
        "offer": first_pos * offer_pos,
        "rejection": first_rej + first_pos * rej_pos,
        "silent_after_positive": first_pos * (1.0 - offer_pos - rej_pos),
        "offer_given_interview": offer_i,
    }


def ghost_probability_by_level(
    truth: Mapping[str, Any], attributes: Realised | None = None
) -> dict[str, dict[str, float]]:
    """True ghosting probability for each level of each factor (others averaged over).

    Examples
    --------
    >>> from hiring_funnel.simulate import simulate
    >>> by = ghost_probability_by_level(simulate(100, seed=1).truth)
    >>> by["source"]["referral"] < by["source"]["job board"]
    True
    """
    p = _as_dict(truth)
    weight, share, _ = _first_response_parts(p, attributes)
    combos = _combinations(p, attributes)
    ghost = 1.0 - share["positive"] - share["rejection"]
    out: dict[str, dict[str, float]] = {}
    for f in FACTORS:
        frame = pd.DataFrame({"level": combos[f], "w": weight, "wg": weight * ghost})
        sums = frame.groupby("level", observed=True)[["w", "wg"]].sum()
        out[f] = {str(k): float(r.wg / r.w) for k, r in sums.iterrows()}
    return out
