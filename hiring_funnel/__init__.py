"""hiring_funnel: how long until an employer answers, and is silence bad news?

The data flows one way (DESIGN.md)::

    read (io) -> validate -> episodes (clocks) -> life table -> estimators -> plots / report

Examples
--------
>>> import hiring_funnel as hf
>>> sim = hf.simulate(200, seed=1)
>>> first = hf.episodes(sim.events, "first_response", attributes=sim.attributes, as_of=sim.as_of)
>>> table = hf.life_table(first)
>>> int(table["at_risk"].iloc[0]) == len(first)
True
"""

from hiring_funnel.candidates import after_rejection, applications_until_offer
from hiring_funnel.clocks import CLOCKS, episodes
from hiring_funnel.funnel import quarantine_reasons, stage_counts
from hiring_funnel.lifetable import life_table
from hiring_funnel.limits import Limits
from hiring_funnel.load import read_events
from hiring_funnel.mapping import load_mapping
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
from hiring_funnel.schema import EVENTS, EventLog, HiringFunnelError, Problem
from hiring_funnel.simulate import SimulatedLog, simulate, write_simulated
from hiring_funnel.simulate_files import simulate_to_files
from hiring_funnel.summary import summarise

__version__ = "0.1.0"

__all__ = [
    "CLOCKS",
    "EVENTS",
    "EventLog",
    "HiringFunnelError",
    "Limits",
    "Problem",
    "SimulatedLog",
    "__version__",
    "after_rejection",
    "applications_until_offer",
    "cause_specific_cox",
    "episodes",
    "fine_gray",
    "follow_up_effect",
    "ghosting_model",
    "life_table",
    "load_mapping",
    "parametric_models",
    "pending_model",
    "plot_forest",
    "predict_pending",
    "quarantine_reasons",
    "read_events",
    "simulate",
    "simulate_to_files",
    "stage_counts",
    "summarise",
    "write_simulated",
]


def __getattr__(name: str) -> object:
    # hf.engine (DuckDB, Spark through Ibis) is imported on first use: the pandas
    # path does not pay for Ibis.
    if name == "engine":
        import importlib

        return importlib.import_module("hiring_funnel.engine")
    raise AttributeError(f"module 'hiring_funnel' has no attribute {name!r}")
