"""Speed of the multi-state estimators (issue 15, item 1): state occupation and still hope.

State paths of n applications are generated directly with numpy (days capped
at 300): 60 % go from applied to a rejection (70 %) or stay open; 40 % are
screened after about 10 days, half of those interviewed about 15 days later,
and interviews end in an offer (30 %) or a rejection about 15 days after
that. Each application belongs to one of n / 5 candidates. Timed once each
(the machine is shared; this is a figure, not a test):

- ``state_occupation`` with ``cluster=None`` and ``cluster="candidate_id"``;
- ``transition_probabilities`` from screened at day 10;
- ``still_hope_from`` interviewed, every day to the last (one backward sweep).

Usage (from the repository root)::

    python benchmarks/bench_multistate.py              # 1e6 applications
    python benchmarks/bench_multistate.py --size 1e5
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

import hiring_funnel as hf
from hiring_funnel.states import CENSORED, STATES


def paths(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d1 = np.minimum(rng.exponential(10, n).round(), 300)
    d2 = np.minimum(d1 + 1 + rng.exponential(15, n).round(), 300)
    d3 = np.minimum(d2 + 1 + rng.exponential(15, n).round(), 300)
    screened = rng.random(n) < 0.4
    interviewed = screened & (rng.random(n) < 0.5)
    open_ = rng.random(n) < 0.3
    final = np.where(rng.random(n) < 0.3, "offer", "rejection")
    ids = np.char.add("A", np.arange(n).astype(str)).astype(object)
    cand = np.char.add("C", rng.integers(0, max(n // 5, 1), n).astype(str)).astype(object)

    def rows(
        sel: np.ndarray, frm: str, to: np.ndarray | str, start: Any, stop: Any
    ) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "application_id": ids[sel],
                "candidate_id": cand[sel],
                "from_state": frm,
                "to_state": to if isinstance(to, str) else to[sel],
                "start": start if np.isscalar(start) else start[sel],
                "stop": stop[sel],
            }
        )

    alone = ~screened
    parts = [
        rows(alone, "applied", np.where(open_, CENSORED, "rejection"), 0.0, d1),
        rows(screened, "applied", "screened", 0.0, d1),
        rows(screened & ~interviewed, "screened", "rejection", d1, d2),
        rows(interviewed, "screened", "interviewed", d1, d2),
        rows(interviewed, "interviewed", final, d2, d3),
    ]
    out = pd.concat(parts, ignore_index=True).sort_values(["application_id", "start"])
    out["from_state"] = pd.Categorical(out["from_state"], categories=list(STATES))
    out["to_state"] = pd.Categorical(out["to_state"], categories=[*STATES, CENSORED])
    return out.reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e6)
    n = int(parser.parse_args().size)
    p = paths(n)
    print(f"{n:,} applications, {len(p):,} path rows")
    calls = {
        "state_occupation(cluster=None)": lambda: hf.state_occupation(p, cluster=None),
        "state_occupation(cluster='candidate_id')": lambda: hf.state_occupation(
            p, cluster="candidate_id"
        ),
        "transition_probabilities(from screened, s=10)": lambda: hf.transition_probabilities(
            p, from_state="screened", waited=10
        ),
        "still_hope_from(interviewed, every day)": lambda: hf.still_hope_from(
            p, stage="interviewed"
        ),
    }
    for label, call in calls.items():
        start = time.perf_counter()
        result = call()
        days = result.table["time"].nunique()
        print(f"{label}: {time.perf_counter() - start:.1f} s ({days} days)")


if __name__ == "__main__":
    main()
