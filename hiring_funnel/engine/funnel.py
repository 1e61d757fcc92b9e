"""The funnel's stage counts on an engine: one grouping per application, one aggregate.

The same rules as :func:`hiring_funnel.funnel.application_stages` (an
application counts from its first ``applied`` up to the as-of date; a later
stage implies the earlier ones; events before the application do not count),
as Ibis expressions, so ``summary --engine`` publishes the stages without
collecting the events.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hiring_funnel.schema import EVENTS

__all__ = ["engine_stage_figures"]


def engine_stage_figures(log: Any) -> dict[str, dict[str, int]]:
    """Per stage: applications reached and still open, and the candidates behind each part.

    Returns ``{stage: {"reached", "reached_candidates", "open", "open_candidates",
    "ended_candidates"}}`` for the stages of :data:`hiring_funnel.funnel.STAGES_REACHED`,
    equal to :func:`hiring_funnel.funnel.stage_figures` on the same log.
    """
    import ibis

    from hiring_funnel.clocks import resolve_as_of
    from hiring_funnel.engine.episodes import resolve_bounds
    from hiring_funnel.engine.window import in_time
    from hiring_funnel.funnel import ENDINGS, STAGES_REACHED

    t = log.events
    if log.as_of is not None:
        as_of_ts = resolve_as_of(log.as_of, np.zeros(0, dtype=np.int64))
    else:
        as_of_ts, _ = resolve_bounds(t, None, "days")
    now = in_time(t, as_of_ts)
    firsts = {e: t.timestamp.min(where=(t.event == e) & now) for e in EVENTS}
    g = t.group_by("application_id").aggregate(
        who=t.candidate_id.cast("string").fill_null(t.application_id.cast("string")).min(),
        **firsts,
    )
    g = g.filter(g.applied.notnull())
    seen = {e: g[e].notnull() & (g[e] >= g.applied) for e in EVENTS}

    def any_of(events: tuple[str, ...]) -> Any:
        out = ibis.literal(False)
        for e in events:
            out = out | seen[e]
        return out

    ended = any_of(ENDINGS)
    aggs: dict[str, Any] = {}
    for step, evs in STAGES_REACHED.items():
        reached = any_of(evs)
        aggs[f"{step}__reached"] = reached.cast("int64").sum()
        aggs[f"{step}__reached_candidates"] = g.who.nunique(where=reached)
        aggs[f"{step}__open"] = (reached & ~ended).cast("int64").sum()
        aggs[f"{step}__open_candidates"] = g.who.nunique(where=reached & ~ended)
        aggs[f"{step}__ended_candidates"] = g.who.nunique(where=reached & ended)
    row = g.aggregate(**aggs).to_pandas().iloc[0]
    out: dict[str, dict[str, int]] = {}
    for name, value in row.items():
        step, what = str(name).split("__")
        out.setdefault(step, {})[what] = 0 if value is None or value != value else int(value)
    return out
