"""The data sets of multistate_reference.json as state paths, and a script writing them for R.

Three data sets, each made by :func:`hiring_funnel.state_paths` from events:

- ``toy``: multistate_toy_events.csv beside this file, 17 hand-written
  applications of 13 candidates (one more without an ``applied`` event): day-0
  moves, several stages on one day, skipped and repeated stages, a screen after
  an interview, follow-ups, events after an absorbing one, withdrawn and
  closed, a move on the export day, ties across applications;
- ``sample``: data/sample (events.csv read with its mapping.toml);
- ``real``: the real tracker data/real-logs/timhanneman/Merged.csv (one
  candidate; screens, interviews and offers from its dates).

Run from the repository root to write ``<dir>/<name>_paths.csv`` for
make_multistate_reference.R::

    python tests/reference/multistate_data.py /tmp/hf_multistate
    Rscript tests/reference/make_multistate_reference.R /tmp/hf_multistate \\
        tests/reference/multistate_reference.json
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

import hiring_funnel as hf
from hiring_funnel.schema import as_canonical_events
from hiring_funnel.states import state_paths

REFERENCE = Path(__file__).parent
ROOT = REFERENCE.parents[1]
NAMES = ("toy", "sample", "real")
TOY_AS_OF = "2024-03-25T12:00:00Z"


@cache
def paths(name: str) -> pd.DataFrame:
    """The state paths of one data set."""
    if name == "toy":
        events = as_canonical_events(pd.read_csv(REFERENCE / "multistate_toy_events.csv"))
        return state_paths(events, as_of=TOY_AS_OF)
    if name == "sample":
        sample = ROOT / "data" / "sample"
        return state_paths(hf.read_events(sample / "events.csv", mapping=sample / "mapping.toml"))
    if name == "real":
        merged = ROOT / "data" / "real-logs" / "timhanneman" / "Merged.csv"
        return state_paths(hf.read_events(merged, mapping="timhanneman"))
    raise KeyError(name)


@cache
def _reference() -> dict[str, Any]:
    return json.loads((REFERENCE / "multistate_reference.json").read_text())


def r(name: str) -> dict[str, Any]:
    """R's values for one data set, after checking that the paths are the ones R read."""
    ref = _reference()["datasets"][name]
    p = paths(name)
    assert len(p) == ref["rows"], (name, len(p), ref["rows"])
    assert float(p["stop"].sum()) == ref["stop_sum"]
    assert float(p["start"].sum()) == ref["start_sum"]
    return ref


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        p = paths(name)
        p.to_csv(folder / f"{name}_paths.csv", index=False)
        print(f"{name}: {len(p)} rows, {p['application_id'].nunique()} applications")


if __name__ == "__main__":
    main(sys.argv[1])
