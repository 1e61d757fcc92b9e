"""The Greenhouse-shaped sample (data/ats/greenhouse) made from the simulator.

The strong check: reading the committed ``applications.json`` with the bundled
``greenhouse`` preset gives, on the three clocks (``first_response``,
``interview_feedback``, ``decision``), the episodes of the simulator's own events (same seed, same export date),
application by application. What the conversion cannot carry, and so what the
comparison leaves out of the simulator's events:

- ``follow_up``: a message from the candidate, no step of the process; Harvest's
  application object has no place for it (it only moves ``last_activity_at``).
  It ends no episode, so dropping it changes nothing (checked below).
- ``closed``: the posting closed. Harvest records that on the job, not on the
  application, whose objects name the job by id and name only; the application
  stays "active" and is censored at the export date instead of at the closing.
- offers: Harvest gives ``sent_at`` as a date, so an episode ending at an offer
  ends at midnight UTC of that day; the durations (whole days) are the same,
  the ``end`` moment is compared by its date (offers are never on the day of
  an earlier step in this sample, so no order changes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.simulate import SimulatedLog, simulate
from hiring_funnel.simulate.greenhouse import (
    SAMPLE_APPLICATIONS,
    SAMPLE_SEED,
    SCREEN_NAMES,
    SOURCE_NAMES,
    planted_personal_data,
    sample_json,
    to_greenhouse,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "ats" / "greenhouse"
APPLICATIONS = SAMPLE / "applications.json"
MAPPING = SAMPLE / "mapping.toml"
FIXTURE = ROOT / "tests" / "fixtures" / "ats" / "greenhouse" / "applications.json"
CLOCKS = ("first_response", "interview_feedback", "decision")
LEFT_OUT = ("follow_up", "closed")


@pytest.fixture(scope="module")
def sim() -> SimulatedLog:
    return simulate(SAMPLE_APPLICATIONS, seed=SAMPLE_SEED)


@pytest.fixture(scope="module")
def applications() -> list[dict]:
    return json.loads(APPLICATIONS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ids(applications: list[dict], sim) -> dict[str, str]:
    """Greenhouse application id -> the simulator's: both increase in the simulator's order."""
    gh = [str(a["id"]) for a in applications]
    assert gh == sorted(gh, key=int) and len(set(gh)) == len(gh)
    return dict(zip(gh, sim.attributes["application_id"].astype(str), strict=True))


def _episodes(events, clock: str, as_of=None) -> pd.DataFrame:
    ep = hf.episodes(events, clock, as_of=as_of)
    cols = ["application_id", "candidate_id", "duration", "cause", "origin", "end"]
    return ep.loc[:, cols].sort_values(["application_id", "origin"]).reset_index(drop=True)


def test_the_sample_is_a_few_hundred_applications_of_a_modest_size(applications) -> None:
    assert 400 <= len(applications) <= 600
    assert APPLICATIONS.stat().st_size < 2_000_000


def test_same_fields_and_nesting_as_the_hand_written_fixture(applications) -> None:
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert {tuple(a) for a in applications} == {tuple(fixture[0])}
    interview = next(i for a in fixture for i in a["scheduled_interviews"])
    offer = next(o for a in fixture for o in a["offers"])
    ours = [i for a in applications for i in a["scheduled_interviews"]]
    offers = [o for a in applications for o in a["offers"]]
    assert ours and offers
    assert {tuple(i) for i in ours} == {tuple(interview)}
    assert {tuple(o) for o in offers} == {tuple(offer)}
    reason = next(a["rejection_reason"] for a in applications if a["rejection_reason"])
    assert set(reason) == {"id", "name", "type"} and set(reason["type"]) == {"id", "name"}


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("mapping", ["greenhouse", "sample_mapping"])
def test_preset_reads_back_the_simulated_episodes(sim, ids, clock: str, mapping: str) -> None:
    if mapping == "greenhouse":  # the bundled preset, told the export date
        log = hf.read_events(APPLICATIONS, mapping="greenhouse", as_of=sim.as_of)
    else:  # data/ats/greenhouse/mapping.toml: the preset with as_of and the custom fields
        log = hf.read_events(APPLICATIONS, mapping=MAPPING)
    assert log.rows_quarantined == 0 and log.as_of == sim.as_of
    canonical = sim.events[~sim.events["event"].isin(LEFT_OUT)]
    expected = _episodes(canonical, clock, as_of=sim.as_of)
    got = _episodes(log, clock)
    got["application_id"] = got["application_id"].astype(str).map(ids)
    got = got.sort_values(["application_id", "origin"]).reset_index(drop=True)
    assert len(got) == len(expected) > 0
    pd.testing.assert_series_equal(got["application_id"], expected["application_id"].astype(str))
    pd.testing.assert_series_equal(got["duration"], expected["duration"])
    assert got["cause"].astype(object).tolist() == expected["cause"].astype(object).tolist()
    pd.testing.assert_series_equal(got["origin"], expected["origin"])
    offers = sim.events[sim.events["event"] == "offer"]
    offer_ends = set(zip(offers["application_id"].astype(str), offers["timestamp"], strict=True))
    ends = zip(expected["application_id"].astype(str), expected["end"], strict=True)
    offer = pd.Series([pair in offer_ends for pair in ends], index=expected.index)
    pd.testing.assert_series_equal(got["end"][~offer], expected["end"][~offer])
    pd.testing.assert_series_equal(got["end"][offer], expected["end"][offer].dt.floor("D"))
    # One Greenhouse candidate per simulated candidate, and back.
    pairs = set(
        zip(got["candidate_id"].astype(str), expected["candidate_id"].astype(str), strict=True)
    )
    assert len(pairs) == len({g for g, _ in pairs}) == len({s for _, s in pairs})


def test_what_the_comparison_leaves_out(sim) -> None:
    """follow_up ends no episode; closed would censor earlier, and there are some to lose."""
    without = sim.events[sim.events["event"] != "follow_up"]
    for clock in CLOCKS:
        pd.testing.assert_frame_equal(
            _episodes(sim.events, clock, as_of=sim.as_of),
            _episodes(without, clock, as_of=sim.as_of),
        )
    assert (sim.events["event"] == "closed").sum() > 0


def test_events_and_attributes_map_one_to_one(sim, ids) -> None:
    log = hf.read_events(APPLICATIONS, mapping=MAPPING)
    events = log.events.assign(application_id=log.events["application_id"].astype(str).map(ids))
    kept = sim.events[~sim.events["event"].isin(LEFT_OUT)]

    def counts(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby(["application_id", "event"], observed=True).size().sort_index()

    pd.testing.assert_series_equal(counts(events), counts(kept), check_index_type=False)
    got = log.attributes.assign(
        application_id=log.attributes["application_id"].astype(str).map(ids)
    )
    got = got.set_index("application_id").sort_index()
    want = sim.attributes.assign(application_id=sim.attributes["application_id"].astype(str))
    want = want.set_index("application_id").sort_index()
    for name in ("industry", "role_level", "company_size"):
        assert got[name].astype(str).tolist() == want[name].astype(str).tolist()
    assert got["remote"].astype(str).str.lower().tolist() == [
        str(v).lower() for v in want["remote"]
    ]
    names = {k: v[1] for k, v in SOURCE_NAMES.items()}
    assert got["source"].astype(str).tolist() == want["source"].astype(str).map(names).tolist()
    screens = [i for a in json.loads(APPLICATIONS.read_text()) for i in a["scheduled_interviews"]]
    assert {i["interview"]["name"] for i in screens} & set(SCREEN_NAMES)


def test_the_committed_sample_is_what_the_script_writes() -> None:
    text, mapping = sample_json(SAMPLE_APPLICATIONS, seed=SAMPLE_SEED)
    assert APPLICATIONS.read_text(encoding="utf-8") == text, (
        "data/ats/greenhouse is stale: run `python scripts/make_greenhouse_sample.py`"
    )
    assert MAPPING.read_text(encoding="utf-8") == mapping


def test_same_seed_same_objects_other_seed_other_ids() -> None:
    small = simulate(40, seed=3)
    assert to_greenhouse(small, seed=1) == to_greenhouse(small, seed=1)
    assert [a["id"] for a in to_greenhouse(small, seed=1)] != [
        a["id"] for a in to_greenhouse(small, seed=2)
    ]


def test_planted_personal_data_is_in_the_json_but_not_in_the_log(applications) -> None:
    planted = planted_personal_data(applications)
    text = APPLICATIONS.read_text(encoding="utf-8")
    emails = [p for p in planted if p.endswith("@example.com")]
    phones = [p for p in planted if p.startswith("+1-555-01")]
    names = [p for p in planted if " " in p]
    assert len(emails) > 10 and len(phones) > 10 and len(names) > 10
    assert all(p in text for p in planted)
    for mapping in ("greenhouse", MAPPING):
        log = hf.read_events(APPLICATIONS, mapping=mapping)
        cells = " | ".join(
            frame[c].astype(str).str.cat(sep=" | ")
            for frame in (log.events, log.attributes)
            for c in frame.columns
        )
        leaked = [p for p in planted if p in cells]
        assert not leaked, leaked
        # Nor the parts of names (a first or last name alone).
        parts = {w for n in names for w in n.split()}
        assert not [w for w in parts if w in cells]
