"""Goods-out notes back from Brightpearl as the hub's shipments.

The note search is filtered on `createdOn` (a note's `updatedOn` is not known to move when it ships), walked in
Brightpearl's default order (ascending note id, which follows creation), and the full notes are then read by id
set: `GET warehouse-service/order/*/goods-note/goods-out/{ID-SET}`, at most 500 ids a call. Only shipped notes
of sales orders this integration instance created become shipments; their orders are read by id set (at most
200 a call) for the hub's reference (`externalRef`) and each row's SKU. The bookmark is the latest creation time
seen, held back by notes not shipped yet (see mapper.next_bookmark); re-reading a note is harmless, the hub
processes each note id once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from connectors.brightpearl import mapper, schema
from connectors.brightpearl.client import BrightpearlOptions, Calls
from core.providers import ProviderShipment

GOODS_OUT_SEARCH = "warehouse-service/goods-note/goods-out-search"
NOTES_PER_GET = 500
ORDERS_PER_GET = 200


def shipments_since(
    calls: Calls, bookmark: str | None, options: BrightpearlOptions, locations: Mapping[int, str]
) -> tuple[list[ProviderShipment], str | None]:
    params = {"createdOn": f"{bookmark}/"} if bookmark else {}
    note_ids = [str(row["goodsOutNoteId"]) for page in calls.search(GOODS_OUT_SEARCH, params) for row in page]
    notes = read_notes(calls, list(dict.fromkeys(note_ids)))
    shipped = {note_id: note for note_id, note in notes.items() if note.status.shipped}
    orders = read_orders(calls, {note.order_id for note in shipped.values()})
    found = [
        mapper.shipment(note_id, note, orders[note.order_id], locations)
        for note_id, note in shipped.items()
        if note.order_id in orders and _ours(orders[note.order_id], options)
    ]
    hold = timedelta(days=options.unshipped_hold_days)
    return found, mapper.next_bookmark(notes.values(), bookmark, hold=hold)


def read_notes(calls: Calls, note_ids: list[str]) -> dict[str, schema.GoodsOutNote]:
    notes: dict[str, schema.GoodsOutNote] = {}
    for chunk in _chunks(note_ids, NOTES_PER_GET):
        path = f"warehouse-service/order/*/goods-note/goods-out/{','.join(chunk)}"
        notes |= schema.goods_out_notes(calls.get_set(path), f"GET {path}")
    return notes


def read_orders(calls: Calls, order_ids: Iterable[int]) -> dict[int, schema.SalesOrder]:
    orders: dict[int, schema.SalesOrder] = {}
    for chunk in _chunks([str(order_id) for order_id in sorted(order_ids)], ORDERS_PER_GET):
        path = f"order-service/sales-order/{','.join(chunk)}"
        orders |= schema.sales_orders(calls.get_set(path), f"GET {path}")
    return orders


def _ours(order: schema.SalesOrder, options: BrightpearlOptions) -> bool:
    """An order this integration instance created (others belong to other channels of the account)."""
    instance = order.installed_integration_instance_id
    return bool(order.external_ref) and instance in (None, options.installed_integration_instance_id)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    return (items[start : start + size] for start in range(0, len(items), size))
