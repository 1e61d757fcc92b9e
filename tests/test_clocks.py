"""Tests of hiring_funnel.clocks: episodes() and check_events().

Expected episodes are spelled out by hand from the logs below; day counts and
weekdays come from the calendar (2024-03-01 is a Friday, 2024-12-24 a Tuesday,
2024-05-27 is Memorial Day in the US, 25 and 26 December are public holidays in
Germany and 1 January everywhere). A slow per-application reference
implementation checks the vectorised one on random logs.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hiring_funnel.clocks as clocks_module
from hiring_funnel.clocks import check_events, episodes
from hiring_funnel.schema import (
    EVENTS,
    EventLog,
    HiringFunnelError,
    as_canonical_events,
    empty_events,
)

UTC = "UTC"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def make_log(rows, **columns) -> pd.DataFrame:
    """Canonical events from (application_id, event, "YYYY-MM-DD HH:MM") tuples."""
    frame = pd.DataFrame(rows, columns=["application_id", "event", "timestamp"])
    for name, values in columns.items():
        frame[name] = values
    return as_canonical_events(frame)


def view(ep: pd.DataFrame) -> list[tuple]:
    """(application_id, duration, cause or None, end) per episode, for readable asserts."""
    causes = ep["cause"].astype(object).where(ep["cause"].notna(), None)
    return list(zip(ep["application_id"], ep["duration"], causes, ep["end"], strict=True))


# -- first_response ------------------------------------------------------------------

FIRST = [
    ("a", "applied", "2024-03-04 09:00"),
    ("a", "screen", "2024-03-04 17:00"),  # same day: 0
    ("b", "applied", "2024-03-04 23:30"),
    ("b", "rejection", "2024-03-05 00:10"),  # 40 minutes, but the next date: 1
    ("c", "applied", "2024-03-01 10:00"),
    ("c", "follow_up", "2024-03-03 12:00"),  # never ends an episode
    ("c", "rejection", "2024-03-08 08:00"),
    ("d", "applied", "2024-03-02 10:00"),
    ("d", "withdrawn", "2024-03-05 10:00"),  # censors before the offer
    ("d", "offer", "2024-03-07 10:00"),
    ("e", "applied", "2024-03-02 10:00"),
    ("e", "closed", "2024-03-06 10:00"),
    ("f", "applied", "2024-03-10 10:00"),  # no answer: censored at as_of
    ("g", "applied", "2024-03-11 10:00"),
    ("g", "interview", "2024-03-12 10:00"),
    ("g", "offer", "2024-03-20 18:00"),  # latest timestamp: the default as_of
    ("h", "screen", "2024-03-05 10:00"),  # no applied event
]


def test_first_response_by_hand():
    ep = episodes(make_log(FIRST), "first_response")
    assert view(ep) == [
        ("a", 0.0, "positive", ts("2024-03-04 17:00")),
        ("b", 1.0, "rejection", ts("2024-03-05 00:10")),
        ("c", 7.0, "rejection", ts("2024-03-08 08:00")),
        ("d", 3.0, None, ts("2024-03-05 10:00")),
        ("e", 4.0, None, ts("2024-03-06 10:00")),
        ("f", 10.0, None, ts("2024-03-20 18:00")),
        ("g", 1.0, "positive", ts("2024-03-12 10:00")),
    ]
    assert ep["origin"].tolist() == [
        ts(t) for t in ["2024-03-04 09:00", "2024-03-04 23:30", "2024-03-01 10:00",
                        "2024-03-02 10:00", "2024-03-02 10:00", "2024-03-10 10:00",
                        "2024-03-11 10:00"]
    ]  # fmt: skip
    assert ep.attrs["skipped"] == {"no applied event": 1, "origin after as_of": 0}
    assert ep.attrs["applications"] == 8
    assert ep.attrs["as_of"] == ts("2024-03-20 18:00")
    assert (ep.attrs["clock"], ep.attrs["unit"], ep.attrs["withdrawn"]) == (
        "first_response", "days", "censor",
    )  # fmt: skip


def test_output_columns_and_dtypes():
    ep = episodes(make_log(FIRST), "first_response")
    assert ep.columns.tolist() == [
        "application_id", "candidate_id", "entry", "duration", "cause", "origin", "end",
        "last_day_share",  # the day boundary (issue 15, item 3)
    ]  # fmt: skip
    assert ep["application_id"].dtype == "string"
    # Categorical with string categories: the per-candidate variances read its codes.
    assert isinstance(ep["candidate_id"].dtype, pd.CategoricalDtype)
    assert ep["candidate_id"].cat.categories.dtype == "string"
    assert ep["entry"].dtype == np.float64 and (ep["entry"] == 0).all()
    assert ep["duration"].dtype == np.float64
    assert ep["cause"].cat.categories.tolist() == ["positive", "rejection"]
    assert str(ep["origin"].dtype) == "datetime64[ns, UTC]"
    assert str(ep["end"].dtype) == "datetime64[ns, UTC]"
    assert ep.index.equals(pd.RangeIndex(len(ep)))


def test_withdrawn_and_closed_as_causes():
    ep = episodes(make_log(FIRST), "first_response", withdrawn="cause")
    assert ep["cause"].cat.categories.tolist() == ["positive", "rejection", "withdrawn", "closed"]
    causes = dict(zip(ep["application_id"], ep["cause"].astype(object), strict=True))
    assert causes["d"] == "withdrawn" and causes["e"] == "closed"
    assert pd.isna(causes["f"])
    assert ep.attrs["withdrawn"] == "cause"


def test_same_timestamp_ties_follow_the_schema_order():
    log = make_log(
        [
            ("t1", "applied", "2024-03-04 09:00"),
            ("t1", "rejection", "2024-03-06 10:00"),  # listed first, but
            ("t1", "screen", "2024-03-06 10:00"),  # screen comes before rejection
            ("t2", "applied", "2024-03-04 09:00"),
            ("t2", "withdrawn", "2024-03-06 10:00"),  # rejection comes before withdrawn
            ("t2", "rejection", "2024-03-06 10:00"),
            ("t3", "screen", "2024-03-04 09:00"),  # applied comes before screen
            ("t3", "applied", "2024-03-04 09:00"),
            ("t4", "screen", "2024-03-01 09:00"),  # dated before the application: ignored
            ("t4", "applied", "2024-03-04 09:00"),
            ("t4", "rejection", "2024-03-09 09:00"),
        ]
    )
    ep = episodes(log, "first_response")
    assert view(ep) == [
        ("t1", 2.0, "positive", ts("2024-03-06 10:00")),
        ("t2", 2.0, "rejection", ts("2024-03-06 10:00")),
        ("t3", 0.0, "positive", ts("2024-03-04 09:00")),
        ("t4", 5.0, "rejection", ts("2024-03-09 09:00")),
    ]
    # The decision clock skips the screen; t2's rejection still beats withdrawn.
    decision = episodes(log, "decision", withdrawn="cause")
    assert view(decision) == [
        ("t1", 2.0, "rejection", ts("2024-03-06 10:00")),
        ("t2", 2.0, "rejection", ts("2024-03-06 10:00")),
        ("t3", 5.0, None, ts("2024-03-09 09:00")),
        ("t4", 5.0, "rejection", ts("2024-03-09 09:00")),
    ]


def test_candidate_ids_and_line_tie_break():
    log = make_log(
        [
            ("a", "applied", "2024-03-01 09:00"),
            ("a", "applied", "2024-03-01 09:00"),  # same event, same time: line decides
            ("a", "screen", "2024-03-02 09:00"),
            ("b", "applied", "2024-03-01 09:00"),
            ("b", "screen", "2024-03-03 09:00"),
            ("c", "applied", "2024-03-01 09:00"),
        ],
        candidate_id=["p9", "p3", None, None, "p2", None],
        line=[9, 3, 10, 11, 12, 13],
    )
    ep = episodes(log, "first_response")
    # a: the link of line 3; b: linked by a later event; c: no link, its own cluster.
    assert ep["candidate_id"].tolist() == ["p3", "p2", "c"]


# -- interview_feedback ---------------------------------------------------------------

FEEDBACK = [
    ("a", "applied", "2024-03-01 09:00"),
    ("a", "interview", "2024-03-05 10:00"),
    ("a", "follow_up", "2024-03-08 10:00"),
    ("a", "interview", "2024-03-12 10:00"),
    ("a", "rejection", "2024-03-20 10:00"),  # latest timestamp: as_of
    ("b", "applied", "2024-03-01 09:00"),
    ("b", "interview", "2024-03-05 10:00"),
    ("b", "offer", "2024-03-05 10:00"),  # same timestamp, after the interview
    ("c", "interview", "2024-03-10 10:00"),  # no answer (and no applied event)
    ("d", "interview", "2024-03-06 10:00"),
    ("d", "withdrawn", "2024-03-09 10:00"),
    ("d", "offer", "2024-03-11 10:00"),
    ("e", "applied", "2024-03-01 09:00"),
    ("e", "screen", "2024-03-02 09:00"),  # never interviewed
    ("f", "interview", "2024-03-02 10:00"),
    ("f", "screen", "2024-03-04 10:00"),
]


def test_interview_feedback_by_hand():
    ep = episodes(make_log(FEEDBACK), "interview_feedback")
    assert view(ep) == [
        ("a", 7.0, "positive", ts("2024-03-12 10:00")),
        ("a", 8.0, "rejection", ts("2024-03-20 10:00")),
        ("b", 0.0, "positive", ts("2024-03-05 10:00")),
        ("c", 10.0, None, ts("2024-03-20 10:00")),
        ("d", 3.0, None, ts("2024-03-09 10:00")),
        ("f", 2.0, "positive", ts("2024-03-04 10:00")),
    ]
    assert ep["round"].tolist() == [1, 2, 1, 1, 1, 1]
    assert ep.columns[-1] == "round" and ep["round"].dtype == np.int64
    assert ep.attrs["skipped"] == {"no interview event": 1, "origin after as_of": 0}
    assert ep.attrs["origin"] == "interview"


# -- decision --------------------------------------------------------------------------

DECISION = [
    ("a", "applied", "2024-03-01 09:00"),
    ("a", "screen", "2024-03-03 09:00"),
    ("a", "interview", "2024-03-06 09:00"),
    ("a", "offer", "2024-03-20 09:00"),  # latest timestamp: as_of
    ("b", "applied", "2024-03-01 09:00"),
    ("b", "rejection", "2024-03-04 09:00"),
    ("c", "applied", "2024-03-02 09:00"),
    ("c", "interview", "2024-03-05 09:00"),
    ("c", "interview", "2024-03-09 09:00"),
    ("d", "applied", "2024-03-02 09:00"),
    ("d", "interview", "2024-03-04 09:00"),
    ("d", "closed", "2024-03-10 09:00"),
]


def test_decision_from_applied():
    ep = episodes(make_log(DECISION), "decision")
    assert ep["cause"].cat.categories.tolist() == ["offer", "rejection"]
    assert view(ep) == [
        ("a", 19.0, "offer", ts("2024-03-20 09:00")),
        ("b", 3.0, "rejection", ts("2024-03-04 09:00")),
        ("c", 18.0, None, ts("2024-03-20 09:00")),
        ("d", 8.0, None, ts("2024-03-10 09:00")),
    ]


def test_decision_from_first_interview():
    ep = episodes(make_log(DECISION), "decision", origin="first_interview", withdrawn="cause")
    assert ep["cause"].cat.categories.tolist() == ["offer", "rejection", "withdrawn", "closed"]
    assert view(ep) == [
        ("a", 14.0, "offer", ts("2024-03-20 09:00")),
        ("c", 15.0, None, ts("2024-03-20 09:00")),
        ("d", 6.0, "closed", ts("2024-03-10 09:00")),
    ]
    assert ep.attrs["skipped"] == {"no interview event": 1, "origin after as_of": 0}
    assert ep.attrs["origin"] == "first_interview"


# -- as_of -------------------------------------------------------------------------------

AS_OF = [
    ("x", "applied", "2024-03-01 10:00"),
    ("x", "rejection", "2024-03-15 10:00"),  # after as_of: ignored
    ("y", "applied", "2024-03-12 10:00"),  # origin after as_of: no episode
    ("z", "applied", "2024-03-10 12:00"),  # exactly at as_of: kept, duration 0
]


@pytest.mark.parametrize(
    "as_of", ["2024-03-10 12:00", "2024-03-10 13:00+01:00", ts("2024-03-10 12:00")]
)
def test_censoring_at_as_of(as_of):
    ep = episodes(make_log(AS_OF), "first_response", as_of=as_of)
    assert view(ep) == [
        ("x", 9.0, None, ts("2024-03-10 12:00")),
        ("z", 0.0, None, ts("2024-03-10 12:00")),
    ]
    assert ep.attrs["as_of"] == ts("2024-03-10 12:00")
    assert ep.attrs["skipped"] == {"no applied event": 0, "origin after as_of": 1}


@pytest.mark.parametrize("as_of", ["9999-01-01", "1500-06-01"])
def test_as_of_out_of_range_is_one_clear_error(as_of):
    # Issue 10: as_of=9999-01-01 was pandas' OutOfBoundsDatetime traceback.
    with pytest.raises(HiringFunnelError, match="out of the supported range"):
        episodes(make_log(AS_OF), "first_response", as_of=as_of)


def test_event_log_supplies_as_of_and_attributes():
    events = make_log(AS_OF)
    attributes = pd.DataFrame({"application_id": ["x", "z"], "remote": [True, False]})
    log = EventLog(
        events=events,
        attributes=attributes,
        quarantine=pd.DataFrame(),
        rows_read=len(events),
        rows_loaded=len(events),
        as_of=ts("2024-03-10 12:00"),
    )
    ep = episodes(log, "first_response")
    assert ep["application_id"].tolist() == ["x", "z"]
    assert ep["remote"].tolist() == [True, False]
    # Arguments win over the log's own values.
    later = episodes(log, "first_response", as_of="2024-03-20", attributes=None)
    assert later.attrs["as_of"] == ts("2024-03-20")
    assert later["cause"].astype(object).tolist() == ["rejection", np.nan, np.nan]


# -- business days -------------------------------------------------------------------

BUSINESS = [
    ("w1", "applied", "2024-03-01 10:00"),  # Friday
    ("w1", "screen", "2024-03-04 09:00"),  # Monday: 3 days, 1 business day (Fri)
    ("w2", "applied", "2024-03-02 10:00"),  # Saturday
    ("w2", "screen", "2024-03-04 09:00"),  # Monday: 2 days, 0 business days
    ("m1", "applied", "2024-05-24 10:00"),  # Friday before Memorial Day (Mon 27 May)
    ("m1", "screen", "2024-05-28 10:00"),  # Tuesday: Fri + Mon, or Fri alone in the US
    ("h1", "applied", "2024-12-24 10:00"),  # Tuesday
    ("h1", "rejection", "2024-12-27 10:00"),  # Friday: Tue, Wed 25, Thu 26
    ("h2", "applied", "2024-12-30 10:00"),  # Monday, censored on Thu 2 Jan 2025
]
AS_OF_BUSINESS = "2025-01-02 12:00"


@pytest.mark.parametrize(
    ("unit", "holidays", "expected"),
    [
        # order: h1, h2, m1, w1, w2
        ("days", None, [3, 3, 4, 3, 2]),
        ("business_days", None, [3, 3, 2, 1, 0]),
        ("business_days", ["2024-12-25"], [2, 3, 2, 1, 0]),
        ("business_days", "US", [2, 2, 1, 1, 0]),  # 25 Dec, 1 Jan, 27 May
        ("business_days", "DE", [1, 2, 2, 1, 0]),  # 25 and 26 Dec, 1 Jan
    ],
)
def test_business_days(unit, holidays, expected):
    ep = episodes(
        make_log(BUSINESS), "first_response", unit=unit, holidays=holidays, as_of=AS_OF_BUSINESS
    )
    assert ep["application_id"].tolist() == ["h1", "h2", "m1", "w1", "w2"]
    assert ep["duration"].tolist() == expected
    assert ep.attrs["unit"] == unit


# -- attributes --------------------------------------------------------------------------


def test_attributes_are_left_joined():
    attributes = pd.DataFrame(
        {
            "application_id": ["c", "a", "zz", "b"],  # any order; zz has no events
            "company_size": [10, 250, 5, 40],
            "industry": pd.Categorical(["gov", "tech", "tech", "retail"]),
        }
    )
    ep = episodes(make_log(FIRST), "first_response", attributes=attributes)
    plain = episodes(make_log(FIRST), "first_response")
    keyed = attributes.astype({"application_id": "string"})
    expected = plain.merge(keyed, on="application_id", how="left")  # reference: pandas
    pd.testing.assert_frame_equal(ep, expected)
    assert ep.columns[-2:].tolist() == ["company_size", "industry"]
    assert ep.loc[ep["application_id"] == "a", "company_size"].item() == 250
    assert ep["company_size"].isna().sum() == 4  # d, e, f, g


def test_attribute_problems():
    log = make_log(FIRST)
    dup = pd.DataFrame({"application_id": ["a", "a"], "x": [1, 2]})
    with pytest.raises(HiringFunnelError, match=r"1 repeated application_id\(s\), first 'a'"):
        episodes(log, "first_response", attributes=dup)
    with pytest.raises(HiringFunnelError, match=r"\['duration'\] clash with episode columns"):
        episodes(log, "first_response", attributes=dup.rename(columns={"x": "duration"}))
    with pytest.raises(HiringFunnelError, match="no 'application_id' column"):
        episodes(log, "first_response", attributes=pd.DataFrame({"x": [1]}))


# -- options and input checks -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"clock": "first"},
            "unknown clock 'first'; allowed: first_response, interview_feedback, decision",
        ),
        ({"unit": "hours"}, "unknown unit 'hours'; allowed: days, business_days"),
        ({"withdrawn": "drop"}, "unknown withdrawn='drop'; allowed: censor, cause"),
        ({"origin": "screen"}, "unknown origin 'screen'; allowed: applied, first_interview"),
        ({"origin": "first_interview"}, "only applies to the 'decision' clock"),
        ({"holidays": "US"}, r"holidays only apply with unit='business_days'"),
        ({"unit": "business_days", "holidays": "XX"}, "unknown holiday calendar 'XX'"),
        ({"unit": "business_days", "holidays": ["not a date"]}, "holidays must be None"),
        ({"as_of": "yesterday-ish"}, "as_of='yesterday-ish' is not a date"),
    ],
)
def test_bad_options_are_named(kwargs, match):
    kwargs = {"clock": "first_response", **kwargs}
    with pytest.raises(HiringFunnelError, match=match):
        episodes(make_log(FIRST), **kwargs)


def test_check_events_names_the_problem():
    log = make_log(FIRST)
    with pytest.raises(HiringFunnelError, match=r"missing the required column\(s\) 'event'"):
        check_events(log.drop(columns="event"))
    with pytest.raises(HiringFunnelError, match="column 'event': must be categorical"):
        check_events(log.assign(event=log["event"].astype(str)))
    with pytest.raises(HiringFunnelError, match="column 'timestamp': must be a timezone-aware"):
        check_events(log.assign(timestamp=log["timestamp"].dt.tz_localize(None)))
    with pytest.raises(HiringFunnelError, match="column 'line': must be of an integer dtype"):
        check_events(log.assign(line=log["line"].astype(float)))
    with pytest.raises(HiringFunnelError, match="must be a pandas DataFrame or an EventLog"):
        check_events([1, 2])  # type: ignore[arg-type]
    broken = log.copy()
    broken.loc[2, "application_id"] = pd.NA
    message = r"column 'application_id': 1 missing value\(s\), first at line 4"
    with pytest.raises(HiringFunnelError, match=message):
        check_events(broken)
    with pytest.raises(HiringFunnelError, match=message):  # found while factorizing
        episodes(broken, "first_response")
    broken = log.copy()
    broken.loc[0, "timestamp"] = pd.NaT
    with pytest.raises(
        HiringFunnelError, match=r"column 'timestamp': 1 missing value\(s\), first at line 2"
    ):
        episodes(broken, "first_response")


def test_empty_log_gives_an_empty_frame():
    ep = episodes(empty_events(), "interview_feedback")
    assert ep.empty
    assert ep.columns.tolist()[-1] == "round"
    assert ep.attrs["applications"] == 0
    assert str(ep["origin"].dtype) == "datetime64[ns, UTC]"


def test_docstring_examples_run():
    failures, tried = doctest.testmod(clocks_module)
    assert tried > 0 and failures == 0


# -- a slow reference and properties on random logs -----------------------------------

ENDS = {
    "first_response": {"screen": "positive", "interview": "positive", "offer": "positive",
                       "rejection": "rejection"},
    "interview_feedback": {"screen": "positive", "interview": "positive", "offer": "positive",
                           "rejection": "rejection"},
    "decision": {"offer": "offer", "rejection": "rejection"},
}  # fmt: skip


def reference_episodes(events, clock, as_of, withdrawn="censor", origin="applied") -> list[tuple]:
    """DESIGN.md's clocks, one application at a time, in plain Python."""
    rank = {name: i for i, name in enumerate(EVENTS)}
    out = []
    for app in sorted(events["application_id"].unique()):
        rows = events[events["application_id"] == app]
        seq = sorted(
            zip(rows["timestamp"], rows["event"].astype(str), rows["line"], strict=True),
            key=lambda r: (r[0], rank[r[1]], r[2]),
        )
        start_event = (
            "applied" if clock != "interview_feedback" and origin == "applied" else "interview"
        )
        starts = [i for i, r in enumerate(seq) if r[1] == start_event]
        if clock != "interview_feedback":
            starts = starts[:1]
        for round_number, i in enumerate(starts, start=1):
            if seq[i][0] > as_of:
                continue
            end, cause = as_of, None
            for t, event, _ in seq[i + 1 :]:
                if t > as_of:
                    break
                if event in ENDS[clock]:
                    end, cause = t, ENDS[clock][event]
                    break
                if event in ("withdrawn", "closed"):
                    end, cause = t, (event if withdrawn == "cause" else None)
                    break
            days = (end.date() - seq[i][0].date()).days
            out.append((app, float(days), cause, seq[i][0], end, round_number))
    return out


BASE = pd.Timestamp("2024-03-01", tz=UTC)


@st.composite
def event_logs(draw):
    rows = []
    for app in range(draw(st.integers(1, 5))):
        for _ in range(draw(st.integers(0, 6))):
            event = draw(st.sampled_from(EVENTS))
            # Few distinct days and hours, so that ties are common.
            when = BASE + pd.Timedelta(
                days=draw(st.integers(0, 6)), hours=draw(st.sampled_from([0, 9, 23]))
            )
            candidate = draw(st.sampled_from([None, "p1", "p2"]))
            rows.append((f"app{app}", event, when, candidate))
    lines = draw(st.permutations(list(range(2, len(rows) + 2))))
    frame = pd.DataFrame(rows, columns=["application_id", "event", "timestamp", "candidate_id"])
    frame["line"] = lines
    if frame.empty:
        return empty_events()
    return as_canonical_events(frame)


options = st.fixed_dictionaries(
    {
        "clock": st.sampled_from(["first_response", "interview_feedback", "decision"]),
        "withdrawn": st.sampled_from(["censor", "cause"]),
        "as_of": st.none() | st.integers(0, 7).map(lambda d: BASE + pd.Timedelta(days=d, hours=9)),
        "first_interview": st.booleans(),
    }
)


def call(log: pd.DataFrame, opts: dict, **extra) -> pd.DataFrame:
    origin = (
        "first_interview" if opts["first_interview"] and opts["clock"] == "decision" else "applied"
    )
    return episodes(
        log, opts["clock"], as_of=opts["as_of"], withdrawn=opts["withdrawn"], origin=origin, **extra
    )


@settings(max_examples=80, deadline=None)
@given(event_logs(), options)
def test_matches_the_reference(log, opts):
    ep = call(log, opts)
    origin = (
        "first_interview" if opts["first_interview"] and opts["clock"] == "decision" else "applied"
    )
    expected = reference_episodes(log, opts["clock"], ep.attrs["as_of"], opts["withdrawn"], origin)
    rounds = ep["round"] if "round" in ep else [r[5] for r in expected]
    causes = ep["cause"].astype(object).where(ep["cause"].notna(), None)
    got = list(
        zip(
            ep["application_id"],
            ep["duration"],
            causes,
            ep["origin"],
            ep["end"],
            rounds,
            strict=True,
        )
    )
    if "round" not in ep:
        expected = [r for r in expected if r[5] == 1]
    assert got == expected


@settings(max_examples=60, deadline=None)
@given(event_logs(), options, st.integers(0, 2**32 - 1))
def test_invariant_to_row_order(log, opts, seed):
    shuffled = log.sample(frac=1.0, random_state=np.random.default_rng(seed)).reset_index(drop=True)
    pd.testing.assert_frame_equal(call(log, opts), call(shuffled, opts))


@settings(max_examples=60, deadline=None)
@given(event_logs(), options)
def test_durations_bounds_and_accounting(log, opts):
    ep = call(log, opts)
    business = call(log, opts, unit="business_days", holidays="US")
    as_of = ep.attrs["as_of"]
    assert (ep["duration"] >= 0).all()
    assert (ep["origin"] <= ep["end"]).all() and (ep["end"] <= as_of).all()
    assert (business["duration"] <= ep["duration"]).all()
    # Every application is either in the episodes or counted as skipped.
    n_apps = log["application_id"].nunique()
    assert ep.attrs["applications"] == n_apps
    assert ep["application_id"].nunique() + sum(ep.attrs["skipped"].values()) == n_apps
    if opts["clock"] != "interview_feedback":
        assert ep["application_id"].is_unique
