"""Process-wide runtime tuning, applied once by the composition root."""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL = 0.0005
"""Seconds a thread holding the interpreter lock runs before one that waits for it may take it (default 0.005)."""


def tune_runtime() -> None:
    """Collect less often: a page of orders makes many short-lived containers, and the default
    thresholds spend a large share of intake time in collections that find nothing to free.
    Objects alive after start-up (modules, settings) are frozen out of the collector's scans.

    Hand the interpreter lock over sooner: while pull-orders commits a page, a helper thread maps the next
    one (connectors.paging.read_ahead); each time the committing thread comes back from the store (which
    runs without the lock), it waits for the lock up to the switch interval, a cost on every statement."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    sys.setswitchinterval(SWITCH_INTERVAL)
