"""warehouse-service under /public-api/{account}/: goods-out notes (search and read) and warehouses."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandbox.brightpearl.errors import id_set, not_found, ok
from sandbox.brightpearl.routes_orders import PREFIX
from sandbox.brightpearl.search import Column, search
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.wire import note_json, warehouse_json

NOTE_COLUMNS = (
    Column("goodsOutNoteId", "INTEGER", lambda n: n.id),
    Column("orderId", "INTEGER", lambda n: n.order_id),
    Column("warehouseId", "INTEGER", lambda n: n.warehouse_id),
    Column("shipped", "BOOLEAN", lambda n: n.shipped),
    Column("shippedOn", "PERIOD", lambda n: n.shipped_on),
    Column("createdOn", "PERIOD", lambda n: n.created_on),
    Column("updatedOn", "PERIOD", lambda n: n.updated_on),
)


def warehouse_routes(state: BrightpearlState) -> APIRouter:
    router = APIRouter(prefix=f"{PREFIX}/warehouse-service")

    @router.get("/goods-note/goods-out-search")
    async def note_search(request: Request) -> Response:
        with state.lock:
            notes = sorted(state.notes.values(), key=lambda n: n.id)
            return ok(search(NOTE_COLUMNS, notes, request.query_params), reference={})

    @router.get("/order/{order_ids}/goods-note/goods-out/{note_ids}")
    async def read_notes(order_ids: str, note_ids: str) -> Response:
        orders, wanted = id_set(order_ids), id_set(note_ids)
        with state.lock:
            found = {
                str(note.id): note_json(note)
                for note in sorted(state.notes.values(), key=lambda n: n.id)
                if (orders is None or note.order_id in orders) and (wanted is None or note.id in wanted)
            }
        if not found:
            raise not_found(f"No goods-out notes found for order {order_ids} and note {note_ids}")
        return ok(found)

    @router.get("/warehouse/{ids}")
    async def warehouses(ids: str) -> Response:
        wanted = id_set(ids)
        found = [warehouse_json(w) for w in state.warehouses.values() if wanted is None or w.id in wanted]
        if not found:
            raise not_found(f"No warehouses found for {ids}")
        return ok(found)

    return router
