"""Process-wide runtime tuning, applied once by the composition root."""

from __future__ import annotations

import gc


def tune_gc() -> None:
    """Collect less often: a page of orders makes many short-lived containers, and the default
    thresholds spend a large share of intake time in collections that find nothing to free.
    Objects alive after start-up (modules, settings) are frozen out of the collector's scans."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
