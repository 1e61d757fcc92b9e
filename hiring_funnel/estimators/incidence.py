"""Offer versus rejection as competing outcomes: cumulative incidence, still hope, outcome mix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiring_funnel.deprecation import keywords_from
from hiring_funnel.estimators import _kernels as k
from hiring_funnel.estimators._prepare import (
    base_meta,
    check_conf_level,
    note_not_estimable,
    prepare,
    resolve_cause,
)
from hiring_funnel.estimators.by_candidate import (
    CLUSTERED,
    incidence_variance,
    late_entry_notes,
    one_candidate_notes,
    prepare_clustered,
    still_hope_variance,
)
from hiring_funnel.estimators.survival import concat
from hiring_funnel.results import EstimateResult, register_kind
from hiring_funnel.schema import HiringFunnelError

# A bootstrap replicate with no event for a curve: no incidence.
register_kind(
    "cumulative_incidence",
    "Aalen-Johansen cumulative incidence, by cause",
    plot="hiring_funnel.plots.curves:plot_cumulative_incidence",
    empty=0.0,
)
register_kind(
    "still_hope",
    "Still hope: chance the cause still happens after waiting",
    plot="hiring_funnel.plots.hope:plot_still_hope",
    empty=0.0,
)
register_kind(
    "outcome_mix",
    "Outcome mix: share of answers in each band of days that are this cause",
    plot="hiring_funnel.plots.hope:plot_outcome_mix",
)

#: Default bands of answer days for :func:`outcome_mix`: same day, 1-2, 3-6, 7-13, 14-29, 30-59, 60+.
DEFAULT_BINS: tuple[float, ...] = (0, 1, 3, 7, 14, 30, 60, np.inf)
_VARIANCE = "delta method (Aalen 1978; as cmprsk::cuminc), ties exact"


def cumulative_incidence(
    episodes: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
    weights: str | None = None,
    cluster: str | None = "auto",
) -> EstimateResult:
    """Aalen-Johansen cumulative incidence of every cause: the chance the answer has come, and was this one.

    F_k(t) = sum over t_j <= t of S(t_{j-1}) d_kj / n_j, where S is the
    all-cause Kaplan-Meier. Tied days are exact (all events of a day enter
    together); the curves of all causes sum to 1 - S(t). The variance is the
    delta-method estimate of cmprsk::cuminc; the interval is on the log(-log)
    scale, F^exp(±z se / (F log F)).

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table.
    by : str or sequence of str, optional
        Group columns; one set of curves per group.
    conf_level : float
        Level of the pointwise intervals.
    weights : str, optional
        Column of case weights.
    cluster : str or None
        Column whose values share one variance term: with
        ``"candidate_id"`` the variance is the infinitesimal jackknife
        summed per candidate (R's ``survfit(..., id =, robust = TRUE)``
        influence, summed by candidate). The default ``"auto"`` does so
        where some candidate holds more than one episode (and no
        ``weights`` are given); None is cmprsk's delta method, which takes
        every episode as independent.

    Returns
    -------
    EstimateResult
        ``table`` with one row per group, time and cause; ``events`` counts
        that cause's answers at t. A cause with no answers in a group is left
        out and named in ``meta["not_estimable"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 2.0, 4.0],
    ...                    "cause": pd.Categorical(["rejection", None, "offer", None],
    ...                                            categories=["offer", "rejection"])})
    >>> t = cumulative_incidence(ep).table
    >>> t[t["time"] == 4.0][["cause", "estimate"]].to_numpy().tolist()
    [['offer', 0.25], ['rejection', 0.25]]
    """
    check_conf_level(conf_level)
    prep, clustered = prepare_clustered(episodes, by, weights, cluster)
    meta = base_meta(
        prep,
        "cumulative_incidence",
        conf_level,
        variance=_VARIANCE if clustered is None else CLUSTERED,
        interval="log(-log)",
        cluster=None if clustered is None else clustered.column,
    )
    meta["notes"].extend(
        late_entry_notes(episodes) + one_candidate_notes(episodes, cluster, clustered)
    )
    rows = clustered.rows(episodes, prep.by) if clustered else {}
    z = k.z_value(conf_level)
    frames = []
    for g in prep.groups:
        kept = []
        for i, cause in enumerate(prep.causes):
            if g.dk[i].sum() == 0:
                note_not_estimable(
                    meta, f"{g.label} / {cause}", f"no {cause} answers among {g.size:,.0f} episodes"
                )
            else:
                kept.append(i)
        if not kept:
            continue
        # All causes of a group at once, laid out time-major (each time's causes
        # together), so the table needs no sort.
        cif, var = k.cumulative_incidence(g.n, g.d, g.dk[kept])
        if clustered:
            var = incidence_variance(*clustered.part(episodes, rows[g.label]), g.time, kept)
        lower, upper = k.cif_interval(cif, var, z)
        # Before a cause's first answer its estimate is 0: the upper limit is the
        # binomial one on the applications followed to t or to another answer.
        followed = np.cumsum(g.d) + np.append(g.n[1:], 0.0)
        upper = np.where(cif <= 0.0, k.zero_upper(followed, conf_level), upper)
        frames.append(
            {
                "group": g.label,
                "time": np.repeat(g.time, len(kept)),
                "cause": np.tile(
                    np.array([prep.causes[i] for i in kept], dtype=object), len(g.time)
                ),
                "estimate": cif.T.ravel(),
                "ci_lower": lower.T.ravel(),
                "ci_upper": upper.T.ravel(),
                "at_risk": np.repeat(g.n, len(kept)),
                "events": g.dk[kept].T.ravel(),
                "std_error": np.sqrt(var).T.ravel(),
            }
        )
    table = concat(frames)
    return EstimateResult("cumulative_incidence", table, meta)


@keywords_from("cause")
def still_hope(
    episodes: pd.DataFrame,
    *,
    cause: str = "offer",
    waited: Sequence[float] | np.ndarray | None = None,
    horizon: float | None = None,
    by: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
    weights: str | None = None,
    cluster: str | None = "auto",
) -> EstimateResult:
    """After s days of silence, the chance that ``cause`` still happens by the horizon.

    P(cause by tau | no answer by s) = (F(tau) - F(s)) / S(s): the headline
    answer to "is silence bad news?". It is the Aalen-Johansen estimate
    restarted at s among the applications still waiting, so its variance is
    cmprsk's delta-method formula on the days in (s, tau]; the interval is on
    the log(-log) scale.

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table.
    cause : str
        The outcome hoped for ("offer", "positive", ...).
    waited : sequence of float, optional
        Days already waited, s. Default: every whole day from 0 to the day
        before the horizon.
    horizon : float, optional
        tau. Default: the last day seen in each group (so the estimate is the
        chance that the cause ever happens within the follow-up).
    by, conf_level, weights, cluster
        As in :func:`cumulative_incidence`.

    Returns
    -------
    EstimateResult
        ``table`` with one row per group and s (``time`` = s): ``at_risk`` is
        the number still waiting after s, ``events`` the answers of this cause
        after s up to the horizon. ``meta["horizon"]`` gives tau per group.
        Where no answer of this cause came after s, the estimate is 0 and the
        upper limit NaN (not estimable from zero events), named in
        ``meta["notes"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 3.0, 5.0],
    ...                    "cause": pd.Categorical(["rejection", "offer", None, "offer"],
    ...                                            categories=["offer", "rejection"])})
    >>> still_hope(ep, cause="offer", waited=[0, 2]).table[["time", "estimate"]].to_numpy().tolist()
    [[0.0, 0.75], [2.0, 1.0]]
    """
    check_conf_level(conf_level)
    prep, clustered = prepare_clustered(episodes, by, weights, cluster)
    ci = resolve_cause(prep, cause)
    meta = base_meta(
        prep,
        "still_hope",
        conf_level,
        variance=_VARIANCE if clustered is None else CLUSTERED,
        interval="log(-log)",
        cause=cause,
        cluster=None if clustered is None else clustered.column,
    )
    meta["notes"].extend(
        late_entry_notes(episodes) + one_candidate_notes(episodes, cluster, clustered)
    )
    rows = clustered.rows(episodes, prep.by) if clustered else {}
    meta["horizon"] = {}
    z = k.z_value(conf_level)
    frames = []
    for g in prep.groups:
        # A cause with no answer at all is estimated 0 too, with the binomial upper
        # limit below ("no offer among 400 applications": at most about 1%), as long
        # as some application was answered at all; with no answer of any kind nothing
        # was followed to an end and there is nothing to estimate.
        if g.dk[ci].sum() == 0 and g.d.sum() == 0:
            note_not_estimable(meta, g.label, f"no answers among {g.size:,.0f} episodes")
            continue
        tau = float(g.time[-1]) if horizon is None else float(horizon)
        if tau < g.time[0]:
            raise HiringFunnelError(
                f"horizon {tau:g} is before the first day seen ({g.time[0]:g}) in {g.label}"
            )
        j = int(np.searchsorted(g.time, tau, side="right")) - 1
        s = np.arange(0.0, np.ceil(tau)) if waited is None else np.asarray(waited, dtype=float)
        s = s[s < tau]
        start = np.searchsorted(g.time, s, side="right") - 1
        est, var = k.still_hope(g.n, g.d, g.dk[ci], start, j)
        if clustered:
            var = still_hope_variance(*clustered.part(episodes, rows[g.label]), ci, s, tau)
        lower, upper = k.cif_interval(est, var, z)
        after = np.searchsorted(g.time, s, side="right")
        still = np.append(g.n, 0.0)[after]
        cum_k = np.concatenate([[0.0], np.cumsum(g.dk[ci])])
        meta["horizon"][g.label] = tau
        later = cum_k[j + 1] - cum_k[start + 1]
        # No answers of this cause after s: the estimate 0 is an observation,
        # and a delta-method interval around it would be [0, 0]. Its upper limit
        # is the binomial one on the applications followed from s to the horizon
        # or to another answer (k.zero_upper).
        none_later = later == 0
        if none_later.any():
            censored = g.n - g.d - np.append(g.n[1:], 0.0)
            cum_c = np.concatenate([[0.0], np.cumsum(censored)])
            followed = still - (cum_c[j + 1] - cum_c[start + 1])
            first = float(s[none_later].min())
            meta["notes"].append(
                f"{g.label}: no {cause} after day {first:g} of silence; from there the estimate "
                f"is 0 and its upper limit is the binomial one on the applications followed "
                f"(exact when none is still open)"
            )
            upper = np.where(none_later, k.zero_upper(followed, conf_level), upper)
            lower = np.where(none_later, 0.0, lower)
            var = np.where(none_later, np.nan, var)
        frames.append(
            {
                "group": g.label,
                "time": s,
                "cause": cause,
                "estimate": est,
                "ci_lower": np.where(np.isnan(est), np.nan, lower),
                "ci_upper": np.where(np.isnan(est), np.nan, upper),
                "at_risk": still,
                "events": later,
                "std_error": np.sqrt(var),
            }
        )
    return EstimateResult("still_hope", concat(frames), meta)


@keywords_from("cause")
def outcome_mix(
    episodes: pd.DataFrame,
    *,
    cause: str = "offer",
    bins: Sequence[float] = DEFAULT_BINS,
    by: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
    weights: str | None = None,
) -> EstimateResult:
    """Among answers that arrive in each band of days, the share that are ``cause``.

    d_k / d summed over the band's days, with a Wilson interval, so a reader
    sees whether late answers are rarer offers. It conditions on an answer
    arriving in the band, so it needs no censoring correction.

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table.
    cause : str
        The outcome whose share is shown.
    bins : sequence of float
        Band edges in days, increasing; a band is [edge_i, edge_i+1).
    by, conf_level, weights
        As in :func:`cumulative_incidence`.

    Returns
    -------
    EstimateResult
        ``table`` with one row per group and band (``time`` = the band's
        first day); ``events`` is the number of answers in the band,
        ``at_risk`` the number waiting at its start. ``meta["bins"]`` has the
        edges and ``meta["labels"]`` readable band names.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [0.0, 2.0, 2.0, 9.0],
    ...                    "cause": pd.Categorical(["offer", "rejection", "offer", "rejection"])})
    >>> outcome_mix(ep, cause="offer", bins=[0, 7, 30]).table[["time", "estimate", "events"]].to_numpy().tolist()
    [[0.0, 0.6666666666666666, 3.0], [7.0, 0.0, 1.0]]
    """
    check_conf_level(conf_level)
    edges = np.asarray(bins, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise HiringFunnelError(f"bins must be at least two increasing edges, not {list(bins)}")
    prep = prepare(episodes, by, weights=weights)
    ci = resolve_cause(prep, cause)
    labels = [_band_label(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    meta = base_meta(prep, "outcome_mix", conf_level, interval="Wilson score", cause=cause)
    meta["bins"], meta["labels"] = (
        edges.tolist(),
        dict(zip(edges[:-1].tolist(), labels, strict=True)),
    )
    z = k.z_value(conf_level)
    frames = []
    for g in prep.groups:
        band = np.searchsorted(edges, g.time, side="right") - 1
        inside = (band >= 0) & (band < len(edges) - 1)
        answers = np.bincount(band[inside], weights=g.d[inside], minlength=len(edges) - 1)
        hits = np.bincount(band[inside], weights=g.dk[ci][inside], minlength=len(edges) - 1)
        first = np.searchsorted(g.time, edges[:-1], side="left")
        waiting = np.append(g.n, 0.0)[first]
        empty = answers == 0
        for b in np.flatnonzero(empty):
            meta["not_estimable"][f"{g.label} / {labels[b]}"] = "no answers in this band"
        lower, upper = k.wilson_interval(hits, answers, z)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = hits / answers
        keep = ~empty
        frames.append(
            {
                "group": g.label,
                "time": edges[:-1][keep],
                "cause": cause,
                "estimate": share[keep],
                "ci_lower": lower[keep],
                "ci_upper": upper[keep],
                "at_risk": waiting[keep],
                "events": answers[keep],
                "std_error": np.sqrt(share[keep] * (1 - share[keep]) / answers[keep]),
            }
        )
    return EstimateResult("outcome_mix", concat(frames), meta)


def _band_label(a: float, b: float) -> str:
    if np.isinf(b):
        return f"{a:g}+ days"
    if b - a == 1:
        return f"day {a:g}"
    return f"{a:g}-{b - 1:g} days"
