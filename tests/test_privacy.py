"""Anonymize: small counts, complementary suppression, segments across clocks, tails, shares, names."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiring_funnel.report.privacy import (
    IDENTIFIER_COLUMNS,
    MISSING_LABEL,
    candidate_key,
    check_breakdown_column,
    check_min_group,
    distinct_candidates,
    hide_splits,
    segment_labels,
    suppress_across,
    suppress_parts,
    suppress_segments,
    tail_cutoff,
)
from hiring_funnel.report.published import file_name, share_text, shown
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


# -- parts of a published total -----------------------------------------------------------------


def test_a_small_part_takes_the_next_smallest_with_it() -> None:
    # answered + open = waits: with open hidden alone, waits - answered gives it back.
    assert suppress_parts({"answered": 120, "open": 3}, min_group=5) == {
        "open": "too_few",
        "answered": "complementary",
    }
    # Rows of unknown candidates: the hidden parts hold 2 + 4 = 6 rows together.
    assert suppress_parts({"a": 2, "b": 4, "c": 50, "d": 9}, min_group=5) == {
        "a": "too_few",
        "b": "too_few",
    }


def test_zero_is_published_and_never_taken_as_a_complement() -> None:
    assert suppress_parts({"a": 0, "b": 40}, min_group=5) == {}
    assert suppress_parts({"a": 0, "b": 3, "c": 40}, min_group=5) == {
        "b": "too_few",
        "c": "complementary",
    }


def test_parts_not_published_anyway_count_as_hidden() -> None:
    # The hidden segments hold 2 open waits: subtraction from the clock's total recovers
    # them unless another part is hidden with them.
    parts = {"hidden": {1, 2}, "x": set(range(10, 30)), "y": set(range(40, 48))}
    assert suppress_parts(parts, unpublished=["hidden"]) == {"y": "complementary"}
    assert (
        suppress_parts({"hidden": set(range(9)), "x": set(range(10, 30))}, unpublished=["hidden"])
        == {}
    )


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 12), min_size=1), st.integers(1, 8)
)
def test_parts_properties(sizes: dict[str, int], k: int) -> None:
    hidden = suppress_parts(sizes, min_group=k)
    assert all(p in hidden for p, n in sizes.items() if 0 < n < k)
    assert all(sizes[p] > 0 for p in hidden)
    together = sum(sizes[p] for p in hidden)
    shown_parts = [p for p in sizes if p not in hidden and sizes[p] > 0]
    if hidden and shown_parts:
        # What subtraction from the total recovers rests on k rows or more (unless every
        # part is hidden: then the total itself is all there is).
        assert together >= k


def test_shown_counts_never_give_the_hidden_value() -> None:
    assert shown(3, "too_few", 5) == "fewer than 5"
    assert shown(1234, "complementary", 5) == "not shown"
    assert shown(0, None, 5) == "0"


# -- segments on several clocks, splits of segments -----------------------------------------------


def _labelled(sizes: dict[str, int], start: int = 0) -> tuple[pd.Series, pd.Series]:
    seg, cand = [], []
    for label, n in sizes.items():
        seg += [label] * n
        cand += [f"{label}-{i}" for i in range(start, start + n)]
    return pd.Series(seg), pd.Series(cand)


def test_a_segment_hidden_on_one_clock_is_hidden_on_every_clock() -> None:
    first = _labelled({"a": 30, "b": 20, "c": 12, "d": 8})
    interviewed = _labelled({"a": 10, "b": 9, "c": 2, "d": 6})
    out = suppress_across({"first": first, "after": interviewed}, min_group=5)
    assert out["after"].suppressed == {"c": "too_few", "d": "complementary"}
    assert out["first"].suppressed == {"c": "too_few", "d": "complementary"}
    assert out["first"].kept == ["a", "b"]


def test_across_clocks_the_hidden_segments_are_at_least_two_and_k_candidates() -> None:
    # On "after", c is small and takes d; on "first" c and d are large, but once hidden
    # they are still two segments of enough people, so nothing more goes.
    first = _labelled({"a": 30, "b": 20, "c": 12})
    after = _labelled({"a": 10, "b": 9, "c": 2})
    out = suppress_across({"first": first, "after": after}, min_group=5)
    for s in out.values():
        assert len(s.suppressed) >= 2
        assert s.suppressed["c"] == "too_few"


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 40), st.booleans()), min_size=1, max_size=80
    ),
    st.integers(1, 6),
)
def test_across_properties(rows: list[tuple[int, int, bool]], k: int) -> None:
    seg = pd.Series([f"s{a}" for a, _, _ in rows])
    cand = pd.Series([f"p{b}" for _, b, _ in rows])
    sub = pd.Series([c for *_, c in rows])
    out = suppress_across({"all": (seg, cand), "some": (seg[sub], cand[sub])}, min_group=k)
    hidden = [set(s.suppressed) for s in out.values()]
    for clock, (labels, who) in {"all": (seg, cand), "some": (seg[sub], cand[sub])}.items():
        s = out[clock]
        members = {g: set(who[labels == g]) for g in set(labels)}
        assert all(len(members[g]) >= k for g in s.kept)
        if s.suppressed and s.kept:
            assert len(s.suppressed) >= 2
            assert len(set().union(*(members[g] for g in s.suppressed))) >= k
    # The same segments are hidden wherever they appear.
    present = set(seg[sub])
    assert hidden[1] == hidden[0] & present


def test_the_split_of_a_segment_is_hidden_with_a_complement() -> None:
    rows = {
        "a": {"answered": set(range(20)), "open": {20, 21}},
        "b": {"answered": set(range(30, 40)), "open": set(range(40, 50))},
        "c": {"answered": set(range(50, 60)), "open": set(range(60, 66))},
    }
    # a's open waits (2) could be worked out from the clock's total unless c's are hidden too.
    assert hide_splits(rows, min_group=5) == {"a": "too_few", "c": "complementary"}
    assert hide_splits(rows, min_group=2) == {}


def test_the_hidden_segments_split_counts_too() -> None:
    rows = {
        "a": {"answered": set(range(20)), "open": set(range(20, 30))},
        "b": {"answered": set(range(30, 40)), "open": set(range(40, 50))},
    }
    # Subtraction from the clock's open total gives the hidden segments' 3 open waits,
    # unless the split of the smaller segment is hidden with them.
    hidden = {"answered": set(range(60, 70)), "open": {1, 2, 3}}
    assert hide_splits(rows, min_group=5, hidden_rows=hidden) == {"b": "complementary"}


# -- shares and names ----------------------------------------------------------------------------


def test_a_share_of_a_small_count_is_an_upper_bound_that_does_not_depend_on_it() -> None:
    texts = {share_text(n, 400, part_members=n, rest_members=400 - n) for n in (1, 2, 3, 4)}
    assert texts == {"below 1.3%"}
    assert share_text(397, 400, part_members=397, rest_members=3) == "above 98.7%"
    assert share_text(5, 400, part_members=5, rest_members=395) == "1.2%"
    assert share_text(3, 6, part_members=3, rest_members=3) == "not shown"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/home/jane.doe/logs/events.csv", "events.csv"),
        ("home/jane.doe/out/", "out"),
        (r"C:\Users\jane.doe\tracker.xlsx", "tracker.xlsx"),
        ("events.csv", "events.csv"),
        ("<DataFrame>", "<DataFrame>"),
    ],
)
def test_file_names_lose_their_folders(path: str, name: str) -> None:
    assert file_name(path) == name


# -- columns that may be breakdowns --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        (["kate.ohara@example.com", "x@y.org"] * 10, "look like email addresses"),
        (['O\'Hara "Kate" <kate.ohara@example.com>'] * 10, "look like email addresses"),
        (["Spoke to Mary, 555-867-5309"] * 10, "look like phone numbers"),
        (["+44 20 7946 0958"] * 10, "look like phone numbers"),
        ([f"note {i} about the call we had" for i in range(20)], "look like free text"),
        (["a " * 20] * 10, "look like free text"),
        ([f"R{i:05d}" for i in range(40)], "works like an identifier"),
        ([f"level {i}" for i in range(60)] * 2, "more than 50 different values"),
    ],
)
def test_columns_that_are_not_categories_are_refused_without_a_value(
    values: list[str], rule: str
) -> None:
    with pytest.raises(HiringFunnelError, match=rule) as info:
        check_breakdown_column("col", ["col"], pd.Series(values))
    message = str(info.value)
    assert "col" in message
    for fragment in ("kate", "555", "7946", "note 1", "R0000", "level 1"):
        assert fragment not in message


@pytest.mark.parametrize(
    "values",
    [
        ["1-50", "51-500", "501-5000", "5000+", "10000-50000"] * 5,
        ["Administrative and Support and Waste Management and Remediation Services"] * 5
        + ["Health Care and Social Assistance"] * 5,
        ["x" * 10_000, "retail"] * 5,
        [True, False] * 5,
        ["2024-03-01", "2024-04-01"] * 5,
    ],
)
def test_categories_are_accepted(values: list[object]) -> None:
    check_breakdown_column("col", ["col"], pd.Series(values))


def test_the_level_limit_can_be_raised() -> None:
    values = pd.Series([f"level {i}" for i in range(60)] * 2)
    check_breakdown_column("col", ["col"], values, max_levels=60)
    with pytest.raises(HiringFunnelError, match="max_levels must be a whole number"):
        check_breakdown_column("col", ["col"], values, max_levels=1)
