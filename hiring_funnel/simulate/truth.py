"""The ``truth`` of a simulated log: its parameters, level shares and expected outcomes.

Written to ``truth.json`` by :func:`hiring_funnel.simulate.write_simulated`
and :func:`hiring_funnel.simulate.files.simulate_to_files`; the curves and
probabilities it implies are computed by :mod:`hiring_funnel.simulate.model`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np

from hiring_funnel.simulate.model import (
    MODEL,
    Realised,
    SimulationParams,
    ghost_probability_by_level,
    level_table,
    true_outcome_probabilities,
)


def _rounded(obj: Any, digits: int = 6) -> Any:
    # Derived numbers come from sums whose last bits may vary with the numpy
    # build; rounding keeps truth.json byte-identical across machines.
    if isinstance(obj, dict):
        return {str(k): _rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, float | np.floating):
        return round(float(obj), digits)
    return obj


def build_truth(
    params: SimulationParams, attributes: Realised, sample: dict[str, Any]
) -> dict[str, Any]:
    """The JSON-ready truth dict: parameters, level shares and expected outcomes.

    ``expected`` is averaged over the realised ``attributes``; the curves and
    probabilities can be recomputed from ``params`` with the functions of
    :mod:`hiring_funnel.simulate.model`.
    """
    truth: dict[str, Any] = {
        "model": list(MODEL),
        "params": dataclasses.asdict(params),
        "sample": sample,
        "level_shares": _rounded(level_table(params)),
    }
    truth["expected"] = _rounded(
        {
            **true_outcome_probabilities(truth, attributes),
            "ghosted_by_level": ghost_probability_by_level(truth, attributes),
        }
    )
    # A JSON round trip makes the in-memory truth equal to truth.json read back.
    result: dict[str, Any] = json.loads(json.dumps(truth, sort_keys=True))
    return result
