"""The WooCommerce REST API v3, as far as the hub uses it, served from a `WooState` under /wp-json/wc/v3/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from sandbox.shopify.faults import FaultPlan, Faults
from sandbox.shopify.responses import json_response
from sandbox.woocommerce.errors import WooError, error_response, invalid_param, on_http_error, on_woo_error
from sandbox.woocommerce.gate import WooGate
from sandbox.woocommerce.orders_api import PREFIX, orders_router
from sandbox.woocommerce.products_api import products_router
from sandbox.woocommerce.store import WooState

DEFAULT_KEY = "ck_sandbox_0123456789abcdef0123456789abcdef"
DEFAULT_SECRET = "cs_sandbox_fedcba9876543210fedcba9876543210"
SHOP_NAME = "Boutique Boréale"


def create_app(
    state: WooState,
    *,
    faults: Faults | None = None,
    consumer_key: str = DEFAULT_KEY,
    consumer_secret: str = DEFAULT_SECRET,
) -> FastAPI:
    """A FastAPI app answering like one WooCommerce site; `faults` injects misbehaviour into API calls."""
    app = FastAPI(title="WooCommerce REST sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    plan = None if faults is None else FaultPlan(faults)
    gate = WooGate(consumer_key=consumer_key, consumer_secret=consumer_secret, faults=plan)
    app.state.gate = gate
    app.add_middleware(BaseHTTPMiddleware, dispatch=gate)
    app.add_exception_handler(WooError, on_woo_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    count = call_counter(state)
    app.include_router(orders_router(state, count))
    app.include_router(products_router(state, count))
    app.include_router(_site())
    return app


def call_counter(state: WooState) -> Callable[[Request], Awaitable[None]]:
    """A dependency counting each answered call under "METHOD route", e.g. "POST products/batch"."""

    async def count(request: Request) -> None:
        route = request.scope.get("route")
        path = str(getattr(route, "path", request.url.path)).removeprefix(f"{PREFIX}/").replace(":int", "")
        state.count(f"{request.method} {path}")

    return count


def _site() -> APIRouter:
    router = APIRouter()

    @router.get("/")
    async def home() -> Response:
        return HTMLResponse(f"<!doctype html><title>{SHOP_NAME}</title><h1>{SHOP_NAME}</h1>")

    @router.get("/wp-json/")
    async def index() -> Response:
        return json_response({"name": SHOP_NAME, "namespaces": ["wp/v2", "wc/v3", "wc/store/v1"]})

    return router


async def _on_invalid_request(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    name = str(first.get("loc", ["", "value"])[-1])
    return error_response(invalid_param(name, f"{name} is not valid."))
