"""A failed payment told to Shopify: the order gets the tag `payment-failed` and a line in its note naming the
reason and the hub's reference (the Admin REST API keeps no separate notes; the note is what staff read on the
order page). Writing them needs the `write_orders` scope.

The order's tags and note are read first (`fields=id,tags,note`) and the order is written only when the tag or
the reference is missing, with the shop's own tags and note kept: a repeat writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from connectors.http import json_body
from core.errors import CredentialsRejected, FatalError
from core.payment_failures import PaymentFailureNotice

Send = Callable[[httpx.Client, httpx.Request], httpx.Response]
TAG = "payment-failed"


def report(client: httpx.Client, notice: PaymentFailureNotice, *, read: Send, write: Send) -> None:
    path = f"orders/{notice.order_external_id}.json"
    answer = json_body(read(client, client.build_request("GET", path, params={"fields": "id,tags,note"})))
    order = answer.get("order") if isinstance(answer, dict) else None
    if not isinstance(order, dict):
        raise FatalError(f"GET {path} answered without an 'order'")
    changes = _changes(order, notice)
    if not changes:
        return
    try:
        write(client, client.build_request("PUT", path, json={"order": {"id": order.get("id"), **changes}}))
    except CredentialsRejected as exc:
        raise FatalError(
            f"PUT {path}: Shopify refused to tag the order ({exc}); grant the app the write_orders scope"
        ) from None


def _changes(order: dict[str, Any], notice: PaymentFailureNotice) -> dict[str, str]:
    """The tags and note to write: the shop's own, with the tag and the notice's line added where missing."""
    tags = [tag.strip() for tag in str(order.get("tags") or "").split(",") if tag.strip()]
    note = str(order.get("note") or "")
    changes = {}
    if TAG not in tags:
        changes["tags"] = ", ".join([*tags, TAG])
    if notice.reference not in note:
        changes["note"] = f"{note}\n{notice.text}" if note else notice.text
    return changes
