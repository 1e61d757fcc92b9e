"""hiring_funnel: how long until an employer answers, and is silence bad news?

The data flows one way (DESIGN.md)::

    read (io) -> validate -> episodes (clocks) -> life table -> estimators -> plots / report

Examples
--------
>>> import hiring_funnel as hf
>>> sim = hf.simulate(200, seed=1)
>>> first = hf.episodes(sim.events, "first_response", attributes=sim.attributes, as_of=sim.as_of)
>>> table = hf.life_table(first)
>>> bool(table["events"].sum() == first["cause"].notna().sum())
True
"""

from typing import TYPE_CHECKING

from hiring_funnel.clocks import CLOCKS, episodes
from hiring_funnel.io.limits import Limits
from hiring_funnel.io.load import read_events
from hiring_funnel.io.mapping import load_mapping
from hiring_funnel.lazy import lazy_names
from hiring_funnel.lifetable import life_table
from hiring_funnel.results import CoefficientResult, EstimateResult, Note, Result
from hiring_funnel.schema import EVENTS, EventLog, HiringFunnelError, Problem

# Not lazy: the module has the function's name, and importing the module would
# otherwise leave the module where the function should be.
from hiring_funnel.simulate import SimulatedLog, simulate, write_simulated

if TYPE_CHECKING:  # imported on first use (``__getattr__`` below)
    from hiring_funnel.analyses.repeat_applicants import after_rejection, applications_until_offer
    from hiring_funnel.analyses.stages import quarantine_reasons, stage_counts
    from hiring_funnel.analyses.summary import summarise
    from hiring_funnel.estimators import (
        answer_quantiles,
        answer_share,
        bootstrap,
        cumulative_incidence,
        gray_test,
        influence_functions,
        kaplan_meier,
        logrank_test,
        outcome_mix,
        restricted_mean_wait,
        silence_ratio,
        state_occupation,
        still_hope,
        still_hope_from,
        transition_probabilities,
        waiting_quantiles,
    )
    from hiring_funnel.plots import (
        plot_cumulative_incidence,
        plot_outcome_mix,
        plot_states,
        plot_still_hope,
        plot_survival,
    )
    from hiring_funnel.pseudonymisation import pseudonymise, pseudonymise_log
    from hiring_funnel.regression import (
        cause_specific_cox,
        fine_gray,
        follow_up_effect,
        ghosting_model,
        parametric_models,
        pending_model,
        plot_forest,
        predict_pending,
    )
    from hiring_funnel.simulate.files import simulate_to_files
    from hiring_funnel.states import state_paths

#: Names whose modules load scipy, matplotlib or the regression code: each is
#: imported the first time it is used, so that ``import hiring_funnel`` (and the
#: command line's summary and validate) do not pay for what they do not use.
_ESTIMATORS = (
    "answer_quantiles",
    "answer_share",
    "bootstrap",
    "cumulative_incidence",
    "gray_test",
    "influence_functions",
    "kaplan_meier",
    "logrank_test",
    "outcome_mix",
    "restricted_mean_wait",
    "silence_ratio",
    "state_occupation",
    "still_hope",
    "still_hope_from",
    "transition_probabilities",
    "waiting_quantiles",
)
_PLOTS = (
    "plot_cumulative_incidence",
    "plot_outcome_mix",
    "plot_states",
    "plot_still_hope",
    "plot_survival",
)
_LAZY = {
    **dict.fromkeys(_ESTIMATORS, "hiring_funnel.estimators"),
    **dict.fromkeys(_PLOTS, "hiring_funnel.plots"),
    "after_rejection": "hiring_funnel.analyses.repeat_applicants",
    "applications_until_offer": "hiring_funnel.analyses.repeat_applicants",
    "quarantine_reasons": "hiring_funnel.analyses.stages",
    "stage_counts": "hiring_funnel.analyses.stages",
    "cause_specific_cox": "hiring_funnel.regression",
    "fine_gray": "hiring_funnel.regression",
    "follow_up_effect": "hiring_funnel.regression",
    "ghosting_model": "hiring_funnel.regression",
    "parametric_models": "hiring_funnel.regression",
    "pending_model": "hiring_funnel.regression",
    "plot_forest": "hiring_funnel.regression",
    "predict_pending": "hiring_funnel.regression",
    "pseudonymise": "hiring_funnel.pseudonymisation",
    "pseudonymise_log": "hiring_funnel.pseudonymisation",
    "simulate_to_files": "hiring_funnel.simulate.files",
    "state_paths": "hiring_funnel.states",
    "summarise": "hiring_funnel.analyses.summary",
}

__version__ = "0.1.0"

__all__ = [
    "CLOCKS",
    "CoefficientResult",
    "EVENTS",
    "EstimateResult",
    "EventLog",
    "HiringFunnelError",
    "Limits",
    "Note",
    "Problem",
    "Result",
    "SimulatedLog",
    "__version__",
    "after_rejection",
    "answer_quantiles",
    "answer_share",
    "applications_until_offer",
    "bootstrap",
    "cause_specific_cox",
    "cumulative_incidence",
    "episodes",
    "fine_gray",
    "follow_up_effect",
    "ghosting_model",
    "gray_test",
    "influence_functions",
    "kaplan_meier",
    "life_table",
    "load_mapping",
    "logrank_test",
    "outcome_mix",
    "parametric_models",
    "pending_model",
    "plot_cumulative_incidence",
    "plot_forest",
    "plot_outcome_mix",
    "plot_states",
    "plot_still_hope",
    "plot_survival",
    "predict_pending",
    "pseudonymise",
    "pseudonymise_log",
    "quarantine_reasons",
    "read_events",
    "restricted_mean_wait",
    "silence_ratio",
    "simulate",
    "simulate_to_files",
    "stage_counts",
    "state_occupation",
    "state_paths",
    "still_hope",
    "still_hope_from",
    "summarise",
    "transition_probabilities",
    "waiting_quantiles",
    "write_simulated",
]


def _subpackage(name: str) -> object:
    # hf.engine (DuckDB, Spark through Ibis), hf.regression, hf.plots, ...: imported
    # on first use too, so the pandas path does not pay for Ibis.
    import importlib
    import importlib.util

    if name.startswith("_") or importlib.util.find_spec(f"hiring_funnel.{name}") is None:
        return None
    return importlib.import_module(f"hiring_funnel.{name}")


__getattr__, __dir__ = lazy_names(__name__, _LAZY, fallback=_subpackage)
