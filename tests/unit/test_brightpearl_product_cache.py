"""The connector's memory of SKU → Brightpearl product id: fresh entries only, bounded, shared by threads."""

from __future__ import annotations

import threading

from connectors.brightpearl.product_cache import ProductCache


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_answers_the_skus_it_keeps_and_only_those():
    cache = ProductCache(600, 10, monotonic=Ticks())
    cache.keep({"LS-BLUE-M": 1007, "MUG-XL": 1088})
    assert cache.known(["LS-BLUE-M", "TEE-WHT-S"]) == {"LS-BLUE-M": 1007}


def test_an_entry_is_used_until_its_time_is_up_then_dropped():
    ticks = Ticks()
    cache = ProductCache(600, 10, monotonic=ticks)
    cache.keep({"LS-BLUE-M": 1007})
    ticks.now = 599.9
    assert cache.known(["LS-BLUE-M"]) == {"LS-BLUE-M": 1007}
    ticks.now = 600.0
    assert cache.known(["LS-BLUE-M"]) == {}
    assert len(cache) == 0


def test_looking_an_entry_up_again_renews_nothing_but_a_new_lookup_does():
    ticks = Ticks()
    cache = ProductCache(600, 10, monotonic=ticks)
    cache.keep({"LS-BLUE-M": 1007})
    ticks.now = 500
    cache.known(["LS-BLUE-M"])
    cache.keep({"MUG-XL": 1088})
    ticks.now = 700
    assert cache.known(["LS-BLUE-M", "MUG-XL"]) == {"MUG-XL": 1088}


def test_a_full_cache_drops_the_least_recently_used_sku():
    cache = ProductCache(600, 2, monotonic=Ticks())
    cache.keep({"A": 1, "B": 2})
    cache.known(["A"])
    cache.keep({"C": 3})
    assert cache.known(["A", "B", "C"]) == {"A": 1, "C": 3}
    assert len(cache) == 2


def test_zero_seconds_keeps_nothing():
    cache = ProductCache(0, 10, monotonic=Ticks())
    cache.keep({"LS-BLUE-M": 1007})
    assert cache.known(["LS-BLUE-M"]) == {} and len(cache) == 0


def test_a_forgotten_sku_is_no_longer_answered():
    cache = ProductCache(600, 10, monotonic=Ticks())
    cache.keep({"LS-BLUE-M": 1007, "MUG-XL": 1088})
    cache.forget(["LS-BLUE-M", "NEVER-SEEN"])
    assert cache.known(["LS-BLUE-M", "MUG-XL"]) == {"MUG-XL": 1088}


def test_threads_sharing_one_cache_keep_it_within_its_size_and_consistent():
    cache = ProductCache(600, 50, monotonic=Ticks())
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(2000):
                sku = f"SKU-{(n * 7 + i) % 120}"
                cache.keep({sku: 1000 + (n * 7 + i) % 120})
                found = cache.known([sku, f"SKU-{i % 120}"])
                assert all(product_id == 1000 + int(s.split("-")[1]) for s, product_id in found.items())
                if i % 11 == 0:
                    cache.forget([sku])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 50
