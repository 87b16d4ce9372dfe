"""The Medusa v2 Admin API, as far as the hub uses it, served from a `MedusaState`."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from sandbox.medusa.auth import log_in
from sandbox.medusa.body import read_object
from sandbox.medusa.errors import MedusaError, json_response, on_http_error, on_medusa_error
from sandbox.medusa.gate import Gate
from sandbox.medusa.routes_orders import order_routes
from sandbox.medusa.routes_stock import stock_routes
from sandbox.medusa.state import MedusaState
from sandbox.shopify.faults import Faults


def create_app(state: MedusaState, *, faults: Faults | None = None) -> FastAPI:
    """A FastAPI app answering like one Medusa 2.21 backend; `faults` injects a proxy's misbehaviour."""
    app = FastAPI(title="Medusa v2 Admin API sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    gate = Gate(state, faults)
    app.state.gate = gate
    app.add_middleware(BaseHTTPMiddleware, dispatch=gate)
    app.add_exception_handler(MedusaError, on_medusa_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.include_router(_auth(state))
    app.include_router(order_routes(state))
    app.include_router(stock_routes(state))
    return app


def _auth(state: MedusaState) -> APIRouter:
    router = APIRouter()

    @router.post("/auth/user/emailpass")
    async def emailpass(request: Request) -> Response:
        return json_response({"token": log_in(state, await read_object(request))})

    return router
