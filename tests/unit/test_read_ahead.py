"""read_ahead: the next page is read in a helper thread while the caller works on the current one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextvars import ContextVar

import pytest

from connectors.paging import read_ahead

_label: ContextVar[str] = ContextVar("label", default="unset")


def test_items_come_in_order_and_the_next_is_read_while_the_caller_holds_the_current() -> None:
    asked: list[int] = []
    second_read = threading.Event()

    def pages() -> Iterator[int]:
        for n in range(1, 4):
            asked.append(n)
            if n == 2:
                second_read.set()
            yield n

    walk = read_ahead(pages())
    assert next(walk) == 1
    assert second_read.wait(5), "page 2 is read while the caller still works on page 1"
    assert list(walk) == [2, 3]
    assert asked == [1, 2, 3]


def test_the_helper_reads_in_the_callers_context() -> None:
    seen: list[str] = []

    def pages() -> Iterator[int]:
        seen.append(_label.get())
        yield 1

    token = _label.set("run 7")
    try:
        assert list(read_ahead(pages())) == [1]
    finally:
        _label.reset(token)
    assert seen == ["run 7"]


def test_an_error_reading_a_page_is_raised_after_the_pages_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise RuntimeError("page 3 could not be read")

    got = []
    with pytest.raises(RuntimeError, match="page 3"):
        for page in read_ahead(pages()):
            got.append(page)
    assert got == [1, 2]


def test_stopping_early_waits_for_the_page_in_flight_and_closes_the_walk() -> None:
    closed = threading.Event()
    reading = threading.Event()
    release = threading.Event()

    def pages() -> Iterator[int]:
        try:
            yield 1
            reading.set()
            release.wait(5)
            yield 2
            yield 3
        finally:
            closed.set()

    walk = read_ahead(pages())
    assert next(walk) == 1
    assert reading.wait(5)
    threading.Timer(0.05, release.set).start()
    walk.close()  # the caller stops (an abort, an error in intake)
    assert closed.is_set(), "the walk is closed before read_ahead returns"
    assert not any(t.name.startswith("read-ahead") for t in threading.enumerate() if t.is_alive())
