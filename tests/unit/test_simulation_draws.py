"""Seeded draws and quotas: pure functions of (seed, id, year, kind), independent of array layout,
chunking and row order; exact half-up counts, largest-remainder apportionment and rank picks."""

from decimal import Decimal

import numpy as np
import pytest
from planalign.domain.simulation import member_seed
from planalign.domain.simulation.draws import DrawKind, draw_bits, draw_uniform, hash_ids
from planalign.domain.simulation.quotas import apportion, pick_by_rank, quota, round_half_up

IDS = np.array([f"E{i:06d}" for i in range(20000)] + ["x", "a-much-longer-employee-id-é"])


def test_an_id_hashes_the_same_whatever_the_width_of_its_array() -> None:
    alone = hash_ids(np.array(["E001"]))
    beside_longer = hash_ids(np.array(["E001", "a much longer id"]))
    wide = hash_ids(np.array(["E001"], dtype="U40"))
    assert alone[0] == beside_longer[0] == wide[0]


def test_the_id_hash_is_pinned_so_results_match_on_any_machine() -> None:
    assert hash_ids(np.array(["E001", "NH2025_000001"])).tolist() == [
        7324101558205235446,
        9691951454716976371,
    ]
    assert draw_bits(42, hash_ids(np.array(["E001"])), 2025, DrawKind.PROMOTION).tolist() == [
        7338593412233573968
    ]


def test_distinct_ids_hash_apart() -> None:
    assert len(np.unique(hash_ids(IDS))) == len(IDS)
    assert len(set(hash_ids(np.array(["ab", "ba", "a", "b", "a\u00e9", ""])).tolist())) == 6


def test_draws_over_chunks_equal_the_draws_over_everyone() -> None:
    hashes = hash_ids(IDS)
    whole = draw_uniform(5, hashes, 2027, DrawKind.OPT_OUT)
    chunks = [draw_uniform(5, hash_ids(part), 2027, DrawKind.OPT_OUT) for part in np.array_split(IDS, 7)]
    assert np.array_equal(np.concatenate(chunks), whole)


def test_draws_follow_the_employee_not_the_row() -> None:
    order = np.random.default_rng(3).permutation(len(IDS))
    hashes = hash_ids(IDS)
    shuffled = draw_bits(5, hash_ids(IDS[order]), 2026, DrawKind.PROMOTION)
    assert np.array_equal(shuffled, draw_bits(5, hashes, 2026, DrawKind.PROMOTION)[order])


def test_uniform_draws_are_in_the_unit_interval_and_look_uniform() -> None:
    draws = draw_uniform(1, hash_ids(IDS), 2025, DrawKind.HIRE_DATE)
    assert draws.min() >= 0.0
    assert draws.max() < 1.0
    assert abs(draws.mean() - 0.5) < 0.01
    assert np.histogram(draws, bins=10, range=(0, 1))[0].min() > 1800


def test_seed_year_and_kind_each_give_another_stream() -> None:
    hashes = hash_ids(IDS)
    base = draw_bits(1, hashes, 2025, DrawKind.PROMOTION)
    for other in (
        draw_bits(2, hashes, 2025, DrawKind.PROMOTION),
        draw_bits(1, hashes, 2026, DrawKind.PROMOTION),
        draw_bits(1, hashes, 2025, DrawKind.OPT_OUT),
    ):
        assert np.mean(base == other) == 0.0
        assert abs(np.corrcoef(base.astype(float), other.astype(float))[0, 1]) < 0.05


def test_member_seeds() -> None:
    seeds = [member_seed(42, member) for member in range(1000)]
    assert seeds[0] == 42
    assert len(set(seeds)) == 1000
    assert all(0 <= seed < 2**63 for seed in seeds)
    assert member_seed(42, 1) == member_seed(42, 1) != member_seed(43, 1)


def test_round_is_half_up_like_a_spreadsheet() -> None:
    assert round_half_up(Decimal("6952.5")) == 6953
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("2.4999")) == 2
    assert quota(55620, 0.125) == 6953
    assert quota(25, 0.1) == 3
    # 90 x 0.35 is 31.499999999999996 in binary floating point; the config says 0.35.
    assert quota(90, 0.35) == 32


def test_apportion_by_largest_remainder() -> None:
    # 3 of (5, 3, 2): shares 1.5, 0.9, 0.6 -> 1, 0, 0 and the two largest remainders get one more.
    assert apportion(3, np.array([5, 3, 2])).tolist() == [1, 1, 1]
    # 7 of (50, 30, 20): 3.5, 2.1, 1.4 -> 3, 2, 1 plus one for the .5.
    assert apportion(7, np.array([50, 30, 20])).tolist() == [4, 2, 1]
    # Equal remainders go to the lower group first.
    assert apportion(5, np.array([1, 1, 1])).tolist() == [2, 2, 1]
    assert apportion(4, np.array([0, 8, 0])).tolist() == [0, 4, 0]
    assert apportion(0, np.array([3, 3])).tolist() == [0, 0]


def test_pick_by_rank_takes_the_lowest_bits_of_each_group() -> None:
    bits = np.array([50, 10, 40, 30, 20, 60, 5], dtype=np.uint64)
    group = np.array([0, 0, 0, 1, 1, 1, -1])
    assert pick_by_rank(bits, group, np.array([2, 1])).tolist() == [
        False,
        True,
        True,
        False,
        True,
        False,
        False,
    ]
    assert pick_by_rank(bits, group, np.array([3, 0])).tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize("count", [0, 1, 137, 20002])
def test_pick_by_rank_picks_exactly_the_count(count: int) -> None:
    bits = draw_bits(9, hash_ids(IDS), 2025, DrawKind.EXPERIENCED_TERMINATION)
    chosen = pick_by_rank(bits, np.zeros(len(IDS), dtype=np.int8), np.array([count]))
    assert chosen.sum() == count
    assert count == 0 or bits[chosen].max() < bits[~chosen].min(initial=2**64 - 1)
