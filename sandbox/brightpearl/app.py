"""The Brightpearl public API, as far as the hub uses it, served from a `BrightpearlState`."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from sandbox.brightpearl.errors import BrightpearlError, on_brightpearl_error, on_http_error
from sandbox.brightpearl.gate import BrightpearlGate
from sandbox.brightpearl.routes_orders import order_routes
from sandbox.brightpearl.routes_stock import stock_routes
from sandbox.brightpearl.routes_warehouse import warehouse_routes
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.throttle import DEFAULT_CAP, RollingMinute
from sandbox.shopify.faults import Faults

DEFAULT_ACCOUNT = "omshub"
DEFAULT_APP_REF = "omshub_sandbox"
DEFAULT_TOKEN = "bp_sandbox_token_0123456789abcdef0123456789abcdef"


def create_app(
    state: BrightpearlState,
    *,
    account: str = DEFAULT_ACCOUNT,
    app_ref: str = DEFAULT_APP_REF,
    account_token: str = DEFAULT_TOKEN,
    requests_per_minute: int = DEFAULT_CAP,
    faults: Faults | None = None,
) -> FastAPI:
    """A FastAPI app answering like one Brightpearl account under /public-api/{account}/."""
    app = FastAPI(title="Brightpearl API sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    gate = BrightpearlGate(
        state,
        account=account,
        credentials=(app_ref, account_token),
        throttle=RollingMinute(state.clock, requests_per_minute),
        faults=faults,
    )
    app.state.gate = gate
    app.add_middleware(BaseHTTPMiddleware, dispatch=gate)
    app.add_exception_handler(BrightpearlError, on_brightpearl_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.include_router(order_routes(state))
    app.include_router(warehouse_routes(state))
    app.include_router(stock_routes(state))
    return app
