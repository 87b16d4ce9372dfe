"""Allocation: where an order's units are reserved, over a snapshot of availability by (sku, location id)."""

from __future__ import annotations

import pytest

from core.allocation import ChannelPolicy, Need, Pick, Strategy, allocate
from core.errors import Shortage

NEAR, MIDDLE, FAR = 1, 2, 3

SPLIT = ChannelPolicy("web", (NEAR, MIDDLE, FAR))
NO_SPLIT = ChannelPolicy("web", (NEAR, MIDDLE, FAR), allow_split=False)
SINGLE = ChannelPolicy("web", (NEAR, MIDDLE, FAR), strategy=Strategy.single_location)
ALL_POLICIES = [
    pytest.param(SPLIT, id="split"),
    pytest.param(NO_SPLIT, id="no-split"),
    pytest.param(SINGLE, id="single"),
]


@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_a_line_is_served_from_the_first_location_that_has_it(policy):
    stock = {("A", NEAR): 5, ("A", MIDDLE): 5, ("A", FAR): 5}
    result = allocate([Need("1", "A", 3)], policy, stock)
    assert result.picks == [Pick("1", "A", NEAR, 3)]
    assert result.shortages == []


@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_an_empty_first_location_is_passed_over(policy):
    stock = {("A", NEAR): 0, ("A", MIDDLE): 3}
    assert allocate([Need("1", "A", 3)], policy, stock).picks == [Pick("1", "A", MIDDLE, 3)]


def test_priority_is_the_channels_order_of_locations_not_their_ids():
    policy = ChannelPolicy("web", (FAR, NEAR))
    stock = {("A", NEAR): 5, ("A", FAR): 5}
    assert allocate([Need("1", "A", 2)], policy, stock).picks == [Pick("1", "A", FAR, 2)]


@pytest.mark.parametrize(
    ("stock", "quantity", "picks"),
    [
        pytest.param(
            {("A", NEAR): 2, ("A", MIDDLE): 2, ("A", FAR): 4},
            5,
            [Pick("1", "A", NEAR, 2), Pick("1", "A", MIDDLE, 2), Pick("1", "A", FAR, 1)],
            id="three-locations",
        ),
        pytest.param(
            {("A", NEAR): 2, ("A", FAR): 4},
            5,
            [Pick("1", "A", NEAR, 2), Pick("1", "A", FAR, 3)],
            id="skips-a-location-without-the-sku",
        ),
        pytest.param(
            {("A", NEAR): 3, ("A", MIDDLE): 9},
            3,
            [Pick("1", "A", NEAR, 3)],
            id="stops-once-the-line-is-served",
        ),
    ],
)
def test_splits_a_line_across_locations_in_priority_order(stock, quantity, picks):
    result = allocate([Need("1", "A", quantity)], SPLIT, stock)
    assert result.picks == picks
    assert result.shortages == []


@pytest.mark.parametrize(
    ("stock", "picks"),
    [
        pytest.param({("A", NEAR): 2, ("A", MIDDLE): 3, ("A", FAR): 5}, [Pick("1", "A", MIDDLE, 3)], id="middle-fits"),
        pytest.param({("A", NEAR): 2, ("A", MIDDLE): 2, ("A", FAR): 3}, [Pick("1", "A", FAR, 3)], id="far-fits"),
        pytest.param({("A", NEAR): 3, ("A", FAR): 3}, [Pick("1", "A", NEAR, 3)], id="earliest-that-fits"),
    ],
)
def test_without_split_a_line_goes_to_the_first_location_that_can_take_it_whole(stock, picks):
    result = allocate([Need("1", "A", 3)], NO_SPLIT, stock)
    assert result.picks == picks
    assert result.shortages == []


def test_without_split_a_short_line_takes_only_what_the_fullest_location_has():
    stock = {("A", NEAR): 1, ("A", MIDDLE): 2}
    result = allocate([Need("1", "A", 3)], NO_SPLIT, stock)
    assert result.picks == [Pick("1", "A", MIDDLE, 2)]
    assert [(s.line_key, s.requested) for s in result.shortages] == [("1", 3)]


def test_without_split_a_shortage_reports_what_one_location_could_give():
    # Only one location may serve the line, so 2 units were ever available to it; 1 + 2 = 3 would read
    # "wanted 3, available 3" for a line that is short.
    stock = {("A", NEAR): 1, ("A", MIDDLE): 2}
    result = allocate([Need("1", "A", 3)], NO_SPLIT, stock)
    assert result.shortages == [Shortage("1", "A", requested=3, available=2)]


@pytest.mark.parametrize(
    ("stock", "picks"),
    [
        pytest.param(
            {("A", NEAR): 5, ("B", MIDDLE): 5, ("A", FAR): 5, ("B", FAR): 5},
            [Pick("1", "A", FAR, 2), Pick("2", "B", FAR, 1)],
            id="only-far-has-both",
        ),
        pytest.param(
            {("A", NEAR): 2, ("B", NEAR): 1, ("A", FAR): 5, ("B", FAR): 5},
            [Pick("1", "A", NEAR, 2), Pick("2", "B", NEAR, 1)],
            id="first-of-several-that-fit",
        ),
        pytest.param(
            {("A", NEAR): 1, ("B", NEAR): 1, ("A", MIDDLE): 2, ("B", MIDDLE): 1},
            [Pick("1", "A", MIDDLE, 2), Pick("2", "B", MIDDLE, 1)],
            id="not-the-first-that-has-each-sku",
        ),
    ],
)
def test_single_location_picks_the_first_location_that_takes_the_whole_order(stock, picks):
    result = allocate([Need("1", "A", 2), Need("2", "B", 1)], SINGLE, stock)
    assert result.picks == picks
    assert result.shortages == []


def test_single_location_without_a_whole_fit_serves_from_the_location_that_gives_most():
    needs = [Need("1", "A", 2), Need("2", "B", 2), Need("3", "C", 1)]
    stock = {("A", NEAR): 2, ("B", NEAR): 1, ("C", MIDDLE): 1, ("A", FAR): 1, ("B", FAR): 1, ("C", FAR): 1}
    result = allocate(needs, SINGLE, stock)
    assert result.picks == [Pick("1", "A", NEAR, 2), Pick("2", "B", NEAR, 1)]
    assert result.shortages == [
        Shortage("2", "B", requested=2, available=1),
        Shortage("3", "C", requested=1, available=0),
    ]


def test_single_location_breaks_a_tie_in_units_to_the_earlier_location():
    needs = [Need("1", "A", 2), Need("2", "B", 2)]
    stock = {("A", NEAR): 1, ("B", MIDDLE): 1}
    result = allocate(needs, SINGLE, stock)
    assert result.picks == [Pick("1", "A", NEAR, 1)]
    assert result.shortages == [
        Shortage("1", "A", requested=2, available=1),
        Shortage("2", "B", requested=2, available=0),
    ]


def test_single_location_with_no_locations_reports_every_line_short():
    policy = ChannelPolicy("web", (), strategy=Strategy.single_location)
    result = allocate([Need("1", "A", 2), Need("2", "B", 1)], policy, {("A", NEAR): 9})
    assert result.picks == []
    assert result.shortages == [
        Shortage("1", "A", requested=2, available=0),
        Shortage("2", "B", requested=1, available=0),
    ]


def test_priority_reports_every_short_line_together_with_what_was_available():
    needs = [Need("1", "A", 5), Need("2", "B", 1), Need("3", "C", 2)]
    stock = {("A", NEAR): 2, ("A", FAR): 1, ("B", MIDDLE): 1}
    result = allocate(needs, SPLIT, stock)
    assert result.picks == [Pick("1", "A", NEAR, 2), Pick("1", "A", FAR, 1), Pick("2", "B", MIDDLE, 1)]
    assert result.shortages == [
        Shortage("1", "A", requested=5, available=3),
        Shortage("3", "C", requested=2, available=0),
    ]


@pytest.mark.parametrize(
    ("policy", "stock", "picks", "shortages"),
    [
        pytest.param(
            SPLIT,
            {("A", NEAR): 4},
            [Pick("1", "A", NEAR, 3), Pick("2", "A", NEAR, 1)],
            [Shortage("2", "A", requested=3, available=1)],
            id="split-one-location",
        ),
        pytest.param(
            SPLIT,
            {("A", NEAR): 4, ("A", FAR): 2},
            [Pick("1", "A", NEAR, 3), Pick("2", "A", NEAR, 1), Pick("2", "A", FAR, 2)],
            [],
            id="split-second-line-spills-over",
        ),
        pytest.param(
            NO_SPLIT,
            {("A", NEAR): 4, ("A", FAR): 3},
            [Pick("1", "A", NEAR, 3), Pick("2", "A", FAR, 3)],
            [],
            id="no-split-second-line-moves-on",
        ),
        pytest.param(
            SINGLE,
            {("A", NEAR): 4, ("A", FAR): 6},
            [Pick("1", "A", FAR, 3), Pick("2", "A", FAR, 3)],
            [],
            id="single-needs-the-sum-in-one-place",
        ),
        pytest.param(
            SINGLE,
            {("A", NEAR): 4},
            [Pick("1", "A", NEAR, 3), Pick("2", "A", NEAR, 1)],
            [Shortage("2", "A", requested=3, available=1)],
            id="single-short",
        ),
    ],
)
def test_two_lines_with_the_same_sku_compete_for_the_same_stock(policy, stock, picks, shortages):
    result = allocate([Need("1", "A", 3), Need("2", "A", 3)], policy, stock)
    assert result.picks == picks
    assert result.shortages == shortages


@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_negative_availability_counts_as_zero(policy):
    stock = {("A", NEAR): -2, ("A", MIDDLE): 3, ("B", NEAR): -5}
    result = allocate([Need("1", "A", 3), Need("2", "B", 1)], policy, stock)
    assert result.picks == [Pick("1", "A", MIDDLE, 3)]
    assert result.shortages == [Shortage("2", "B", requested=1, available=0)]


@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_negative_availability_does_not_eat_into_other_locations(policy):
    stock = {("A", NEAR): -2, ("A", MIDDLE): 2}
    result = allocate([Need("1", "A", 3)], policy, stock)
    assert result.picks == [Pick("1", "A", MIDDLE, 2)]
    assert result.shortages == [Shortage("1", "A", requested=3, available=2)]


@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_an_unknown_sku_has_nothing_available(policy):
    result = allocate([Need("1", "GHOST", 2)], policy, {("A", NEAR): 9})
    assert result.picks == []
    assert result.shortages == [Shortage("1", "GHOST", requested=2, available=0)]


@pytest.mark.parametrize("policy", ALL_POLICIES)
def test_allocation_leaves_the_stock_snapshot_untouched(policy):
    stock = {("A", NEAR): 2, ("A", MIDDLE): 2}
    allocate([Need("1", "A", 3), Need("2", "B", 1)], policy, stock)
    assert stock == {("A", NEAR): 2, ("A", MIDDLE): 2}


def test_stock_only_at_a_location_outside_the_channel_is_not_used():
    policy = ChannelPolicy("web", (NEAR, MIDDLE))
    result = allocate([Need("1", "A", 1)], policy, {("A", FAR): 9})
    assert result.picks == []
    assert result.shortages == [Shortage("1", "A", requested=1, available=0)]


def test_a_bundle_is_served_from_the_first_location_holding_all_its_components():
    kits = {"BOX": (("A", 1), ("B", 2))}
    stock = {("A", NEAR): 5, ("B", NEAR): 1, ("A", MIDDLE): 1, ("B", MIDDLE): 9, ("A", FAR): 3, ("B", FAR): 6}
    result = allocate([Need("1", "BOX", 3)], NO_SPLIT, stock, kits)
    assert result.picks == [Pick("1", "BOX", FAR, 3)]


def test_single_location_counts_a_component_shared_by_a_bundle_and_a_line_once():
    kits = {"BOX": (("A", 1), ("B", 1))}
    policy = ChannelPolicy("web", (NEAR,), Strategy.single_location)
    result = allocate([Need("1", "BOX", 2), Need("2", "A", 1)], policy, {("A", NEAR): 2, ("B", NEAR): 2}, kits)
    assert result.picks == [Pick("1", "BOX", NEAR, 2)]
    assert [s.line_key for s in result.shortages] == ["2"]
