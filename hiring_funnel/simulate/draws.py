"""The random draws of the simulator: who applies where, and what happens to each application.

:func:`population` draws candidates, companies and applications with their
times and covariates; :func:`sorted_events` walks each application through
first response, screen, interview rounds and decision, and returns its events
in file order. :func:`hiring_funnel.simulate.simulate` (one log) and
:mod:`hiring_funnel.simulate.blocks` (a large log block by block) draw in the
same order, so that the same seed gives the same log either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from hiring_funnel.schema import EVENTS
from hiring_funnel.simulate.model import SimulationParams

#: Event name -> its code (position in the schema's EVENTS).
EV = {name: code for code, name in enumerate(EVENTS)}
#: The stage column's values; a stage code indexes them.
STAGES = np.array(
    ["application", "phone screen", "interview round 1", "interview round 2", "onsite"],
    dtype=object,
)
_NO_STAGE = -1
#: Seconds in a day (event times are drawn in days, written in seconds).
SECONDS_PER_DAY = 86_400


def _codes(rng: np.random.Generator, dist: dict[str, float], size: int) -> np.ndarray:
    probs = np.fromiter(dist.values(), dtype=float, count=len(dist))
    return rng.choice(len(probs), size=size, p=probs / probs.sum())


def _lognormal(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, size: int
) -> np.ndarray:
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))


def _level_values(levels: list[str], mapping: dict[str, float], default: float) -> np.ndarray:
    return np.array([mapping.get(level, default) for level in levels], dtype=float)


class _Recorder:
    """Collects events as parallel arrays; concatenated once at the end."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(
        self, app: np.ndarray, event: str | np.ndarray, t: np.ndarray, stage: int | np.ndarray
    ) -> None:
        n = len(app)
        code = np.broadcast_to(np.asarray(EV[event] if isinstance(event, str) else event), n)
        self.parts.append((app, code, t, np.broadcast_to(np.asarray(stage), n)))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate([part[i] for part in self.parts]) for i in range(4))


def _office(
    rng: np.random.Generator, p: SimulationParams, t: np.ndarray, prev: np.ndarray
) -> np.ndarray:
    """Move employer answers into working hours and mostly off weekends."""
    if not p.office_hours:
        return t
    day = np.floor(t)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    move = (weekday >= 5) & (rng.random(len(t)) >= p.weekend_keep)
    day = np.where(move, day + 7 - weekday, day)
    hours = p.work_start_hour + (p.work_end_hour - p.work_start_hour) * rng.random(len(t))
    # A same-day answer drawn before the event it answers would reverse the
    # order; one minute after it keeps the sequence valid.
    return np.maximum(day + hours / 24.0, prev + 1.0 / 1440.0)


def _follow_ups(
    rng: np.random.Generator,
    p: SimulationParams,
    rec: _Recorder,
    app: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
) -> None:
    """Candidate nudges during a wait from ``start`` to ``end`` (exclusive)."""
    n = len(app)
    first = start + rng.uniform(p.follow_up_min_days, p.follow_up_max_days, n)
    ok1 = (rng.random(n) < p.follow_up_probability) & (first < end)
    second = first + rng.uniform(p.second_follow_up_min_days, p.second_follow_up_max_days, n)
    ok2 = ok1 & (rng.random(n) < p.second_follow_up_probability) & (second < end)
    rec.add(app[ok1], "follow_up", first[ok1], _NO_STAGE)
    rec.add(app[ok2], "follow_up", second[ok2], _NO_STAGE)


def candidate_counts(
    n: int, p: SimulationParams, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Applications per candidate and the number of candidates: the first draws of a log."""
    cap = p.max_applications_per_candidate
    sizes = np.minimum(rng.geometric(1.0 / p.mean_applications_per_candidate, size=n), cap)
    return sizes, int(np.searchsorted(np.cumsum(sizes), n) + 1)


def population(n: int, p: SimulationParams, rng: np.random.Generator, end: float) -> dict[str, Any]:
    """Candidates, companies and applications with their times and covariates."""
    sizes, n_cand = candidate_counts(n, p, rng)
    cand = np.repeat(np.arange(n_cand), sizes[:n_cand])[:n]
    quality = rng.standard_normal(n_cand)
    role = _codes(rng, p.role_level, n_cand)
    # Each candidate searches for a while; searches start over the horizon so
    # that the recent ones are still open at the as-of date.
    start = end - p.horizon_days * rng.random(n_cand)
    span = np.minimum(rng.uniform(p.search_days_min, p.search_days_max, n_cand), end - start)
    t_app = start[cand] + span[cand] * rng.random(n)

    n_comp = max(1, round(n / p.applications_per_company))
    comp_size = _codes(rng, p.company_size, n_comp)
    comp_industry = _codes(rng, p.industry, n_comp)
    pull = _level_values(list(p.company_size), p.company_size_pull, 1.0)[comp_size]
    company = rng.choice(n_comp, size=n, p=pull / pull.sum())
    source = _codes(rng, p.source, n)
    remote = _codes(rng, p.remote, n)

    # Application ids follow the application time, as an ATS numbers them.
    order = np.argsort(t_app, kind="stable")
    cand, company, source, remote = cand[order], company[order], source[order], remote[order]
    t_app = t_app[order]
    return {
        "n_cand": n_cand,
        "n_comp": n_comp,
        "cand": cand,
        "t_app": t_app,
        "company": company,
        "quality": quality[cand],
        "codes": {
            "company_size": comp_size[company],
            "industry": comp_industry[company],
            "role_level": role[cand],
            "source": source,
            "remote": remote,
        },
    }


def _histories(
    pop: dict[str, Any], p: SimulationParams, rng: np.random.Generator, end: float
) -> _Recorder:
    """Walk every application through the funnel, vectorised stage by stage."""
    t_app: np.ndarray = pop["t_app"]
    codes: dict[str, np.ndarray] = pop["codes"]
    n = len(t_app)
    levels = {f: list(getattr(p, f)) for f in codes}

    def linear(intercept: float, effects: dict[str, dict[str, float]], load: float) -> np.ndarray:
        lp = intercept + load * pop["quality"]
        for f, shifts in effects.items():
            lp = lp + _level_values(levels[f], shifts, 0.0)[codes[f]]
        return lp

    scale = np.ones(n)
    for f, scales in p.time_scale.items():
        scale *= _level_values(levels[f], scales, 1.0)[codes[f]]

    withdraw = t_app + np.where(
        rng.random(n) < p.withdraw_probability,
        _lognormal(rng, p.withdraw_median_days, p.withdraw_sigma, n),
        np.inf,
    )
    close = t_app + np.where(
        rng.random(n) < p.close_probability,
        _lognormal(rng, p.close_median_days, p.close_sigma, n),
        np.inf,
    )
    censor = np.minimum(withdraw, close)
    limit = np.minimum(censor, end)
    rounds = np.array([int(k) for k in p.interview_rounds])[_codes(rng, p.interview_rounds, n)]
    screened = (rng.random(n) < p.screen_probability).astype(np.int64)
    steps = screened + rounds  # positive stages before the decision

    rec = _Recorder()
    apps = np.arange(n)
    rec.add(apps, "applied", t_app, 0)

    # First response (the first_response clock of DESIGN.md).
    ghost = rng.random(n) < expit(
        linear(p.ghost_intercept, p.ghost_effects, p.ghost_candidate_effect)
    )
    positive = rng.random(n) < expit(
        linear(p.positive_intercept, p.positive_effects, p.positive_candidate_effect)
    )
    median = scale * np.where(positive, p.first_positive_median_days, p.first_rejection_median_days)
    sigma = np.where(positive, p.first_positive_sigma, p.first_rejection_sigma)
    t = _office(rng, p, t_app + median * np.exp(sigma * rng.standard_normal(n)), t_app)
    got = ~ghost & (t <= limit)
    _follow_ups(rng, p, rec, apps, t_app, np.where(got, t, limit))
    first_stage = np.where(screened == 1, 1, 2)
    pos = got & positive
    rec.add(
        apps[pos],
        np.where(screened[pos] == 1, EV["screen"], EV["interview"]),
        t[pos],
        first_stage[pos],
    )
    rej = got & ~positive
    rec.add(apps[rej], "rejection", t[rej], 0)
    decided = rej.copy()
    stage = np.where(pos, first_stage, 0)  # label code of the last positive stage reached

    alive, prev, step = np.flatnonzero(pos), t.copy(), 1
    while alive.size:
        k = alive.size
        final = steps[alive] == step
        on_screen = (screened[alive] == 1) & (step == 1)
        probs = {
            name: np.where(
                final,
                p.after_final_interview.get("offer" if name == "advance" else name, 0.0),
                np.where(
                    on_screen, p.after_screen.get(name, 0.0), p.after_interview.get(name, 0.0)
                ),
            )
            for name in ("advance", "rejection")
        }
        u = rng.random(k)
        advance = u < probs["advance"]
        reject = ~advance & (u < probs["advance"] + probs["rejection"])
        late = rng.random(k) < p.late_offer_probability
        med = np.select(
            [advance & final & late, advance & final, advance, reject],
            [
                p.late_offer_median_days,
                p.offer_median_days,
                p.advance_median_days,
                p.stage_rejection_median_days,
            ],
        )
        sig = np.select(
            [advance & final & late, advance & final, advance, reject],
            [p.late_offer_sigma, p.offer_sigma, p.advance_sigma, p.stage_rejection_sigma],
        )
        # A late offer waits on others' decisions, so it is not sped up or
        # slowed down by the industry's pace like the other answers.
        med = med * np.where(advance & final & late, 1.0, scale[alive])
        t = _office(rng, p, prev[alive] + med * np.exp(sig * rng.standard_normal(k)), prev[alive])
        got = (advance | reject) & (t <= limit[alive])
        _follow_ups(rng, p, rec, alive, prev[alive], np.where(got, t, limit[alive]))
        cur = stage[alive]
        # Codes index STAGES: step j is round j-1 after a screen, round j without
        # one (round r is code r+1); the last of several rounds is the onsite.
        nxt = np.where(screened[alive] == 1, step + 1, step + 2)
        nxt = np.where((steps[alive] == step + 1) & (rounds[alive] >= 2), 4, nxt)
        is_offer, is_rej, is_next = got & advance & final, got & reject, got & advance & ~final
        rec.add(alive[is_offer], "offer", t[is_offer], cur[is_offer])
        rec.add(alive[is_rej], "rejection", t[is_rej], cur[is_rej])
        rec.add(alive[is_next], "interview", t[is_next], nxt[is_next])
        decided[alive[is_offer | is_rej]] = True
        stage[alive[is_next]] = nxt[is_next]
        prev[alive] = t
        alive, step = alive[is_next], step + 1

    # Withdrawal or closing ends an application still open at that time.
    ended = ~decided & (censor <= end)
    kind = np.where(withdraw <= close, EV["withdrawn"], EV["closed"])
    rec.add(apps[ended], kind[ended], censor[ended], stage[ended])
    return rec


def sorted_events(
    pop: dict[str, Any], p: SimulationParams, rng: np.random.Generator, end_seconds: int
) -> tuple[np.ndarray, ...]:
    """Application index, event code, Unix seconds and stage code of each event, in file order."""
    app, code, t, stage = _histories(pop, p, rng, end_seconds / SECONDS_PER_DAY).arrays()
    # Whole seconds, as exports show them; rounding is monotone so order and
    # the as-of bound survive it.
    seconds = np.minimum(np.rint(t * SECONDS_PER_DAY).astype(np.int64), end_seconds)
    order = np.lexsort((code, app, seconds))
    return app[order], code[order], seconds[order], stage[order]
