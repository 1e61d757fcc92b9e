"""A simulated log in blocks of applications, each block from its own generator.

:func:`hiring_funnel.simulate.simulate` draws a whole log from one
``numpy.random.Generator`` and holds it in memory; at 1e7 applications that
is tens of gigabytes. Here the applications are cut into blocks of
``block_applications`` (the last one shorter), and each block is a log of its
own: its own candidates and companies, drawn by the same model
(:mod:`hiring_funnel.simulate.model`) from its own generator:

- block 0 from ``numpy.random.default_rng(seed)``, exactly as :func:`simulate`
  draws, so a log of at most one block is :func:`simulate`'s, byte for byte;
- block ``k >= 1`` from ``numpy.random.default_rng(SeedSequence(seed,
  spawn_key=(k,)))``, which is ``SeedSequence(seed).spawn(k + 1)[k]``: a
  stream independent of every other block's, a function of ``(seed, k)`` only.

So the output depends on the seed, the parameters and the block size (the
blocks are the realisation's sub-populations), never on how it is written:
one file or another, row groups, CSV or Parquet. The default block size
(:data:`BLOCK_APPLICATIONS`) is part of what makes a seed's log; changing it
changes every log longer than one block.

Identifiers are unique across blocks and look like :func:`simulate`'s:
``A`` + the application's number (1 to n, in block order, and within a block
in order of application time), ``C`` + a candidate number and ``E`` + a
company number, each block's numbers shuffled within the range after the
previous blocks'. Numbers are zero-padded to 6, 6 and 4 digits, or to the
digits of the largest number. Events are in time order within a block; the
file is the blocks one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hiring_funnel.schema import EVENTS
from hiring_funnel.simulate import ATTRIBUTE_COLUMNS, FILE_COLUMNS
from hiring_funnel.simulate.draws import (
    EV,
    SECONDS_PER_DAY,
    STAGES,
    candidate_counts,
    population,
    sorted_events,
)
from hiring_funnel.simulate.model import FACTORS, CombinationCounts, SimulationParams

#: Applications per block unless told otherwise (about 220,000 events).
BLOCK_APPLICATIONS = 100_000


def block_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of block ``index``: ``default_rng(seed)`` for block 0, a spawned stream after.

    Examples
    --------
    >>> a, b = block_rng(5, 0), np.random.default_rng(5)
    >>> bool(a.random() == b.random())
    True
    >>> c = block_rng(5, 2).random()
    >>> bool(c == np.random.default_rng(np.random.SeedSequence(5).spawn(3)[2]).random())
    True
    """
    if index == 0:
        return np.random.default_rng(seed)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


@dataclass(frozen=True)
class BlockPlan:
    """How a log of ``sum(sizes)`` applications is cut into blocks, and where each block's ids start.

    Made by :func:`plan_blocks`, which draws each block's number of candidates
    (the first draws of its generator) so that ids can be padded to the
    widest number before anything is written.
    """

    seed: int
    params: SimulationParams
    as_of: pd.Timestamp
    sizes: tuple[int, ...]
    candidates: tuple[int, ...]
    companies: tuple[int, ...]

    @property
    def n_applications(self) -> int:
        return sum(self.sizes)

    @property
    def end_seconds(self) -> int:
        return int(self.as_of.value // 1_000_000_000)

    def offsets(self, counts: tuple[int, ...]) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])

    def widths(self) -> tuple[int, int, int]:
        """Digits of application, candidate and company numbers."""
        return (
            max(6, len(str(self.n_applications))),
            max(6, len(str(sum(self.candidates)))),
            max(4, len(str(sum(self.companies)))),
        )


def plan_blocks(
    n: int, *, seed: int, params: SimulationParams, as_of: pd.Timestamp, block: int
) -> BlockPlan:
    """Cut ``n`` applications into blocks of ``block`` and count each block's candidates."""
    sizes = tuple(min(block, n - start) for start in range(0, n, block))
    candidates = tuple(
        candidate_counts(m, params, block_rng(seed, k))[1] for k, m in enumerate(sizes)
    )
    # As population counts companies.
    companies = tuple(max(1, round(m / params.applications_per_company)) for m in sizes)
    return BlockPlan(seed, params, as_of, sizes, candidates, companies)


@dataclass(frozen=True)
class Block:
    """One block's population and events, with global id numbers."""

    index: int
    pop: dict[str, Any]
    app: np.ndarray  # per event, in file order: the application's index in the block
    code: np.ndarray  # event code (index of hiring_funnel.schema.EVENTS)
    seconds: np.ndarray  # Unix seconds
    stage: np.ndarray  # index of STAGES, -1 for none
    candidate: np.ndarray  # per application: candidate number
    company: np.ndarray  # per application: company number


def _population_of(plan: BlockPlan, k: int) -> tuple[np.random.Generator, dict[str, Any]]:
    rng = block_rng(plan.seed, k)
    pop = population(plan.sizes[k], plan.params, rng, plan.end_seconds / SECONDS_PER_DAY)
    if (pop["n_cand"], pop["n_comp"]) != (plan.candidates[k], plan.companies[k]):
        raise AssertionError(f"block {k}: the plan's counts differ from the population's")
    return rng, pop


def simulate_block(plan: BlockPlan, k: int) -> Block:
    """Block ``k``: its population, events and id numbers, drawn in :func:`simulate`'s order."""
    rng, pop = _population_of(plan, k)
    app, code, seconds, stage = sorted_events(pop, plan.params, rng, plan.end_seconds)
    cand0 = plan.offsets(plan.candidates)[k]
    comp0 = plan.offsets(plan.companies)[k]
    candidates = rng.permutation(pop["n_cand"]) + 1 + cand0
    companies = rng.permutation(pop["n_comp"]) + 1 + comp0
    return Block(
        k, pop, app, code, seconds, stage, candidates[pop["cand"]], companies[pop["company"]]
    )


def populations(plan: BlockPlan) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each block's population alone (its attributes), without simulating its events."""
    for k in range(len(plan.sizes)):
        yield k, _population_of(plan, k)[1]


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def _labels(params: SimulationParams, factor: str) -> pa.Array:
    return pa.array(list(getattr(params, factor)), pa.string())


def application_ids(plan: BlockPlan, k: int) -> pa.Array:
    start = int(plan.offsets(plan.sizes)[k])
    return _ids("A", np.arange(start + 1, start + plan.sizes[k] + 1), plan.widths()[0])


def events_table(plan: BlockPlan, block: Block) -> pa.Table:
    """The block's events as the columns of ``events.csv`` (timestamps as UTC seconds)."""
    _, cand_width, comp_width = plan.widths()
    app = pa.array(block.app, pa.int64())
    applied = block.code == EV["applied"]
    source = _labels(plan.params, "source").take(pa.array(block.pop["codes"]["source"]))
    columns = {
        "application_id": application_ids(plan, block.index).take(app),
        "candidate_id": _ids("C", block.candidate, cand_width).take(app),
        "company_id": _ids("E", block.company, comp_width).take(app),
        "event": pa.array(EVENTS, pa.string()).take(pa.array(block.code, pa.int64())),
        "timestamp": pa.array(block.seconds, pa.int64()).cast(pa.timestamp("s", tz="UTC")),
        "stage": pa.array(list(STAGES), pa.string()).take(
            pa.array(block.stage, pa.int64(), mask=block.stage < 0)
        ),
        # The channel is how the application was sent: known on its row only.
        "channel": source.take(pa.array(block.app, pa.int64(), mask=~applied)),
    }
    return pa.table([columns[name] for name in FILE_COLUMNS], names=list(FILE_COLUMNS))


def attributes_table(plan: BlockPlan, k: int, pop: dict[str, Any]) -> pa.Table:
    """The block's rows of ``attributes.csv``: one per application, ``remote`` a bool."""
    columns: dict[str, pa.Array] = {"application_id": application_ids(plan, k)}
    for factor, codes in pop["codes"].items():
        values = _labels(plan.params, factor).take(pa.array(codes))
        columns[factor] = pc.equal(values, "True") if factor == "remote" else values
    return pa.table([columns[name] for name in ATTRIBUTE_COLUMNS], names=list(ATTRIBUTE_COLUMNS))


class CombinationCounter:
    """Adds up, block by block, how many applications have each combination of factor levels."""

    def __init__(self, params: SimulationParams) -> None:
        self.levels = [list(getattr(params, f)) for f in FACTORS]
        self.shape = tuple(len(levels) for levels in self.levels)
        self.counts = np.zeros(int(np.prod(self.shape)), dtype=np.int64)

    def add(self, pop: dict[str, Any]) -> None:
        flat = np.ravel_multi_index(tuple(pop["codes"][f] for f in FACTORS), self.shape)
        self.counts += np.bincount(flat, minlength=self.counts.size)

    def result(self) -> CombinationCounts:
        present = np.flatnonzero(self.counts)
        codes = np.unravel_index(present, self.shape)
        frame = pd.DataFrame(
            {
                f: np.array(levels, dtype=object)[c]
                for f, levels, c in zip(FACTORS, self.levels, codes, strict=True)
            }
        )
        frame["count"] = self.counts[present]
        return CombinationCounts(frame.sort_values(list(FACTORS)).reset_index(drop=True))
