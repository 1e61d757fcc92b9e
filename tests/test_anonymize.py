"""Anonymize: small-segment and complementary suppression, curve tails, redacted reasons."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiring_funnel.anonymize import (
    IDENTIFIER_COLUMNS,
    MISSING_LABEL,
    candidate_key,
    check_breakdown_column,
    check_min_group,
    distinct_candidates,
    redact_reason,
    segment_labels,
    suppress_segments,
    tail_cutoff,
)
from hiring_funnel.schema import HiringFunnelError


def _people(sizes: dict[str, int]) -> tuple[pd.Series, pd.Series]:
    """Segments of the given numbers of distinct candidates, two rows per candidate."""
    seg, cand = [], []
    for label, n in sizes.items():
        for i in range(n):
            seg += [label, label]
            cand += [f"{label}-{i}", f"{label}-{i}"]
    return pd.Series(seg), pd.Series(cand)


def test_nothing_suppressed_when_every_segment_is_large_enough() -> None:
    s = suppress_segments(*_people({"a": 5, "b": 9, "c": 5}), min_group=5)
    assert s.suppressed == {}
    assert s.kept == ["b", "a", "c"]  # largest first, ties by label


def test_one_small_segment_takes_the_next_smallest_with_it() -> None:
    # "c" alone could be recovered as total - a - b - d; with "d" hidden too it cannot.
    s = suppress_segments(*_people({"a": 20, "b": 9, "c": 3, "d": 6}), min_group=5)
    assert s.suppressed == {"c": "too_few", "d": "complementary"}
    assert s.kept == ["a", "b"]


def test_small_segments_that_together_are_still_too_few_take_another() -> None:
    # c and d hold 4 candidates together: subtraction would publish a group of 4.
    s = suppress_segments(*_people({"a": 20, "b": 9, "c": 2, "d": 2}), min_group=5)
    assert s.suppressed == {"c": "too_few", "d": "too_few", "b": "complementary"}


def test_two_small_segments_that_together_are_enough_need_no_complement() -> None:
    s = suppress_segments(*_people({"a": 20, "b": 9, "c": 3, "d": 4}), min_group=5)
    assert s.suppressed == {"c": "too_few", "d": "too_few"}


def test_every_segment_small() -> None:
    s = suppress_segments(*_people({"a": 1, "b": 2}), min_group=5)
    assert s.kept == []
    assert set(s.suppressed) == {"a", "b"}


def test_candidates_are_counted_once_however_many_applications() -> None:
    seg = pd.Series(["a"] * 40 + ["b"] * 10)
    cand = pd.Series(["p1", "p2", "p3", "p4"] * 10 + [f"q{i}" for i in range(10)])
    s = suppress_segments(seg, cand, min_group=5)
    assert s.suppressed["a"] == "too_few"  # 40 applications, 4 people


def test_the_explanation_never_gives_the_size_of_a_suppressed_segment() -> None:
    s = suppress_segments(*_people({"a": 20, "b": 9, "c": 3, "d": 6}), min_group=5, column="ind")
    text = " ".join(s.explain())
    assert "ind = c: fewer than 5 candidates" in text
    assert not re.search(r"\b[36]\b", text)  # neither 3 (c) nor 6 (d)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 30)), min_size=1, max_size=80),
    st.integers(1, 8),
    st.randoms(use_true_random=False),
)
def test_properties(rows: list[tuple[int, int]], k: int, rnd: object) -> None:
    seg = pd.Series([f"s{a}" for a, _ in rows])
    cand = pd.Series([f"p{b}" for _, b in rows])
    s = suppress_segments(seg, cand, min_group=k)
    members = {g: set(cand[seg == g]) for g in set(seg)}
    # Every published segment describes at least k people.
    assert all(len(members[g]) >= k for g in s.kept)
    # Every segment below k is suppressed.
    assert all(g in s.suppressed for g in members if len(members[g]) < k)
    if s.suppressed and s.kept:
        # Total minus the published segments is a group of at least two segments and k people.
        hidden = set().union(*(members[g] for g in s.suppressed))
        assert len(s.suppressed) >= 2
        assert len(hidden) >= k
    # The decision does not depend on the order of the rows.
    order = list(range(len(rows)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    again = suppress_segments(seg.iloc[order], cand.iloc[order], min_group=k)
    assert again.suppressed == s.suppressed
    assert again.kept == s.kept


def test_segment_labels_name_missing_values_as_the_estimators_do() -> None:
    labels = segment_labels(pd.Series(["x", None, pd.NA], dtype="object"))
    assert labels.tolist() == ["x", MISSING_LABEL, MISSING_LABEL]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "5"])
def test_min_group_must_be_a_whole_number_of_at_least_one(bad: object) -> None:
    with pytest.raises(HiringFunnelError, match="min_group must be a whole number"):
        check_min_group(bad)  # type: ignore[arg-type]


def test_tail_cutoff_is_the_kth_longest_wait_of_distinct_candidates() -> None:
    ep = pd.DataFrame(
        {
            "application_id": [f"a{i}" for i in range(7)],
            "candidate_id": ["p", "p", "p", "q", "r", "s", "t"],
            "duration": [100.0, 90.0, 80.0, 10.0, 20.0, 30.0, 5.0],
        }
    )
    # Longest waits per person: p 100, s 30, r 20, q 10, t 5. p's three
    # applications are one person still waiting after day 30, not three.
    assert tail_cutoff(ep, min_group=1) == 100.0
    assert tail_cutoff(ep, min_group=2) == 30.0
    assert tail_cutoff(ep, min_group=5) == 5.0
    assert np.isnan(tail_cutoff(ep, min_group=6))
    assert distinct_candidates(ep) == 5


def test_candidate_key_falls_back_to_the_application() -> None:
    ep = pd.DataFrame(
        {
            "application_id": pd.Series(["a1", "a2", "a3"], dtype="string"),
            "candidate_id": pd.Series(["p", pd.NA, pd.NA], dtype="string"),
        }
    )
    assert candidate_key(ep).nunique() == 3


@pytest.mark.parametrize("column", IDENTIFIER_COLUMNS)
def test_identifiers_are_refused_as_breakdowns(column: str) -> None:
    with pytest.raises(HiringFunnelError, match="never shows identifiers"):
        check_breakdown_column(column, ["industry", column])


def test_an_unknown_breakdown_names_the_attributes() -> None:
    with pytest.raises(HiringFunnelError, match="attributes: industry, company_size"):
        check_breakdown_column("sector", ["industry", "company_size", "candidate_id"])


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        # Reasons as validate writes them (tests/malformed).
        (
            "conflicting outcomes: application 'a1' has both an offer and a rejection "
            "(offer on line 3, rejection on line 4)",
            "conflicting outcomes: application … has both an offer and a rejection "
            "(offer on line …, rejection on line …)",
        ),
        (
            "conflicting duplicates: 'rejection' of application 'a2' recorded more than once "
            "(lines 6, 7)",
            "conflicting duplicates: … of application … recorded more than once (lines …)",
        ),
        ("exact duplicate of line 169", "exact duplicate of line …"),
        (
            "unknown event 'Phone Screen' (expected one of applied, offer)",
            "unknown event … (expected one of applied, offer)",
        ),
        ("missing application id", "missing application id"),
        (
            "rejection dated 2024-03-01, before its application (2024-03-10, line 2)",
            "rejection dated …, before its application (…, line …)",
        ),
    ],
)
def test_redact_reason(reason: str, expected: str) -> None:
    assert redact_reason(reason) == expected
