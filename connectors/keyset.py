"""Paging a list sorted by change time by moving its lower bound, not by counting pages.

Orders are walked oldest change first. An order changed during the walk moves to the end of the list and
shifts every later one down by one; a page number or an offset would then skip one order, and a bookmark
moved past it would lose it for good. Asking instead for the records changed since the last one read
skips none: the next request sets the lower bound to the last record's change time (the records of that
same tick are read again; intake does not mind) and starts again at the first page. When a whole page
shares one tick the bound cannot move, and the walk steps to the next page (or offset) of the same bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from connectors.paging import DEFAULT_MAX_PAGES, Page, with_url
from core.errors import FatalError


@dataclass(frozen=True, slots=True)
class ChangeTimePaginator:
    bound_param: str
    """The query parameter holding the lower bound: `modified_after`, `updated_at[$gte]`."""
    write_bound: Callable[[datetime], str]
    """A record's change time as the bound that includes it (an exclusive bound is written one tick earlier)."""
    changed_at: Callable[[Any], datetime | None]
    size_param: str
    """`per_page`, `limit`: a shorter page is the last one."""
    step_param: str
    """`page` (steps by one, from 1) or `offset` (steps by the records read, from 0)."""
    step_by_records: bool
    max_pages: int = DEFAULT_MAX_PAGES

    def position(self, request: httpx.Request) -> str:
        params = request.url.params
        return (
            f"{self.bound_param}={params.get(self.bound_param, '')}&{self.step_param}={params.get(self.step_param, '')}"
        )

    def next_request(self, request: httpx.Request, page: Page) -> httpx.Request | None:
        size = int(request.url.params.get(self.size_param, "0") or 0)
        if not page.records or len(page.records) < size:
            return None
        first, last = self._tick(page, 0), self._tick(page, -1)
        url = request.url
        if first != last:
            url = url.copy_set_param(self.bound_param, last).copy_set_param(self.step_param, self._start)
        else:  # the whole page is one tick: the bound cannot move
            step = len(page.records) if self.step_by_records else 1
            current = int(request.url.params.get(self.step_param, str(self._start)))
            url = url.copy_set_param(self.step_param, current + step)
        return with_url(request, url)

    @property
    def _start(self) -> int:
        return 0 if self.step_by_records else 1

    def _tick(self, page: Page, index: int) -> str:
        moment = self.changed_at(page.records[index])
        if moment is None:
            raise FatalError(f"page {page.number}: a record without a change time; cannot page by change time")
        return self.write_bound(moment)
