"""The summary's split of a clock into answered and still open, on arrays of distinct candidates.

Without a breakdown, :func:`hiring_funnel.analyses.summary._splits` hands
:func:`hiring_funnel.report.privacy.suppress_parts` arrays of distinct candidates instead of
Python sets (a million candidates); the reference here is the same rule on sets, as
``_splits`` computed it before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hiring_funnel.analyses.summary import _splits
from hiring_funnel.report.privacy import COMPLEMENTARY, TOO_FEW, suppress_parts
from hiring_funnel.report.suppression import _union_size


def _episodes(who: list[object], answered: list[bool]) -> pd.DataFrame:
    cause = pd.Categorical(["rejection" if a else None for a in answered], categories=["rejection"])
    return pd.DataFrame({"candidate_id": who, "duration": 1.0, "cause": cause})


def _with_sets(ep: pd.DataFrame, k: int) -> dict[str, dict[str, str]]:
    who = ep["candidate_id"].to_numpy()
    answered = ep["cause"].notna().to_numpy()
    why = suppress_parts(
        {"answered": set(who[answered]), "censored": set(who[~answered])}, min_group=k
    )
    return {"all": why} if why else {}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.booleans()), max_size=40),
    st.integers(1, 8),
    st.booleans(),
)
def test_arrays_of_candidates_split_like_sets(rows, k, as_text):
    who = [f"p{w}" if as_text else w for w, _ in rows]
    ep = _episodes(who, [a for _, a in rows])
    if not as_text:
        ep["candidate_id"] = ep["candidate_id"].astype(np.int64)  # the engine's codes
    else:
        ep["candidate_id"] = ep["candidate_id"].astype("string")  # the pandas path's ids
    assert _splits(ep, None, ["all"], k) == _with_sets(ep, k)


def test_three_open_candidates_hide_both_parts():
    # 10 answered candidates, 3 still open (one of them also answered): 3 < 5 is too few,
    # and the answered count would give it back from the total.
    who = list(range(10)) + [9, 10, 11]
    ep = _episodes(who, [True] * 10 + [False] * 3)
    ep["candidate_id"] = ep["candidate_id"].astype(np.int64)
    assert _splits(ep, None, ["all"], 5) == {
        "all": {"censored": TOO_FEW, "answered": COMPLEMENTARY}
    }


def test_a_union_of_arrays_counts_each_member_once():
    parts = [np.array([1, 2, 3]), np.array([3, 4]), np.array([], dtype=np.int64)]
    assert _union_size(parts) == 4 == len(set().union(*map(set, parts)))
    text = [np.array(["a", "b"], dtype=object), np.array(["b", "c"], dtype=object)]
    assert _union_size(text) == 3
