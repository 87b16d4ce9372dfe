"""The HTTP API application: `create_app(hub)` wires routes, tokens, guards, metrics and job threads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from api import changes, drafts, health, metrics, ops, orders, records, returns, status_page, webhooks
from api.auth import Reader, Tokens
from api.collector import StoreCollector
from api.counters import ApiCounters
from api.guards import RequestGuard
from api.jobs import Jobs
from api.state import ApiState
from cli.context import Hub
from core.errors import InvalidRequest, NotFound
from core.store import migrate

SHUTDOWN_GRACE = timedelta(seconds=30)


def create_app(hub: Hub) -> FastAPI:
    """The API over `hub` (its database checked and its configuration loaded into the store)."""
    registry = CollectorRegistry()
    registry.register(StoreCollector(hub.engine, hub.clock))
    counters = ApiCounters(registry)
    jobs = Jobs(hub)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        hub.connectors()  # built once, before requests share them
        hub.providers()
        yield
        jobs.shut_down(SHUTDOWN_GRACE)

    app = FastAPI(
        title="omshub",
        summary="Order-management integration hub: orders, stock and money across every sales channel.",
        version="1",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.api = ApiState(hub, counters, jobs, migrate.head_revision())
    app.state.tokens = Tokens(hub.config.api.tokens, counters.refused)
    app.state.registry = registry
    app.add_middleware(RequestGuard, max_body_bytes=hub.config.api.max_body_bytes)
    for router in (
        health.router,
        metrics.router,
        orders.router,
        records.router,
        ops.router,
        drafts.router,
        returns.router,
        changes.router,
        webhooks.router,
        status_page.router,
    ):
        app.include_router(router)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(NotFound, _answer(404))
    app.add_exception_handler(InvalidRequest, _answer(409))

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(caller: Reader) -> dict[str, Any]:
        return app.openapi()

    return app


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    """422 naming each field: `detail` as FastAPI gives it (without echoing the input), and one readable line."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    message = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": errors, "message": message}, status_code=422)


def _answer(code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def answer(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=code)

    return answer
