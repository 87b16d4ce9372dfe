"""pull-orders: read a channel's orders changed since the bookmark, one committed page at a time.

The window starts `overlap` before the bookmark (re-reading is free: intake is idempotent) and
ends at the run's start minus `safety_lag`, never later. After each page the bookmark moves to the
latest change seen (orders come oldest change first); once the walk is complete it moves to the
window's end. A crash after page k resumes from page k's bookmark. The next page is read (fetched
and mapped) while the current one is committed: see connectors.paging.read_ahead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connectors.base import OrderSource, Window
from connectors.paging import read_ahead
from core.bookmarks import Bookmark
from jobs.runner import RunScope

ORDERS = "orders"


def pull_orders(scope: RunScope, source: OrderSource, *, overlap: timedelta, safety_lag: timedelta) -> None:
    since = datetime.fromisoformat(scope.bookmark_before) if scope.bookmark_before else scope.started_at
    pull_window(scope, source, stream=ORDERS, window=Window(since - overlap, scope.started_at - safety_lag))


def pull_window(scope: RunScope, source: OrderSource, *, stream: str | None, window: Window) -> None:
    """Ingest every page of the window; `stream` names the bookmark to advance (None: leave bookmarks alone)."""
    reached = window.start
    for page in read_ahead(source.order_pages(window, time_left=scope.time_left())):
        scope.check()
        if page.last_changed is not None:
            reached = max(reached, min(page.last_changed, window.end))
        scope.ingest(page.orders, _mark(stream, reached))
    scope.ingest([], _mark(stream, window.end))


def _mark(stream: str | None, moment: datetime) -> Bookmark | None:
    return None if stream is None else Bookmark(stream, moment.isoformat())
