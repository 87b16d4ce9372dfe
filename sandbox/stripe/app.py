"""The Stripe v1 API, as far as the hub uses it (PaymentIntents, refunds, charges), served from a `StripeState`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from sandbox.shopify.faults import Faults
from sandbox.shopify.responses import json_response
from sandbox.stripe import intents
from sandbox.stripe.errors import StripeError, error_response, invalid_param, on_http_error, on_stripe_error
from sandbox.stripe.form import Form, parse_form, read_bool, read_expand, read_int, read_metadata, read_str
from sandbox.stripe.gate import StripeGate
from sandbox.stripe.idempotency import Saved
from sandbox.stripe.model import PaymentIntent, charge_json, intent_json, list_json, refund_json
from sandbox.stripe.refunds import create_refund
from sandbox.stripe.state import StripeState

DEFAULT_SECRET_KEY = "sk_test_51OmsHubSandbox0000000000000000000000000000"
Json = dict[str, Any]
Action = Callable[[Form], Json]


def create_app(state: StripeState, *, secret_key: str = DEFAULT_SECRET_KEY, faults: Faults | None = None) -> FastAPI:
    """A FastAPI app answering like Stripe's API for one test-mode account."""
    app = FastAPI(title="Stripe API sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    gate = StripeGate(state, secret_key=secret_key, faults=faults)
    app.state.gate = gate
    app.add_middleware(BaseHTTPMiddleware, dispatch=gate)
    app.add_exception_handler(StripeError, on_stripe_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.include_router(_intent_routes(state))
    app.include_router(_refund_routes(state))
    return app


async def run_post(state: StripeState, request: Request, action: Action) -> Response:
    """Execute a POST once per Idempotency-Key: later requests with the key get the saved answer again."""
    form = parse_form(await request.body())
    key = request.headers.get("idempotency-key")
    if key is None:
        status, body, _ = _execute(action, form)
        return json_response(body, status)
    fingerprint = (f"{request.method} {request.url.path}", orjson.dumps(form, option=orjson.OPT_SORT_KEYS).decode())
    try:
        saved = state.keys.claim(key, fingerprint, state.now())
    except StripeError as refusal:
        retry = {"Stripe-Should-Retry": "true"} if refusal.status == 409 else {}
        return error_response(refusal, {"Idempotency-Key": key, **retry})
    if saved is not None:
        return json_response(saved.body, saved.status, {"Idempotency-Key": key, "Idempotent-Replayed": "true"})
    result = None
    try:
        if state.execution_time:
            await asyncio.sleep(state.execution_time)
        status, body, keep = _execute(action, form)
        result = Saved(fingerprint, status, body, state.now()) if keep else None
    finally:
        state.keys.finish(key, result)
    return json_response(body, status, {"Idempotency-Key": key})


def _execute(action: Action, form: Form) -> tuple[int, Json, bool]:
    """Status, body, and whether the answer is saved under an Idempotency-Key."""
    try:
        return 200, action(form), True
    except StripeError as error:
        return error.status, error.body(), error.saved


def _intent_routes(state: StripeState) -> APIRouter:
    router = APIRouter(prefix="/v1/payment_intents")

    def shown(intent: PaymentIntent, expand: Any) -> Json:
        charge = state.latest_charge(intent) if "latest_charge" in read_expand(expand) else None
        return intent_json(intent, charge)

    @router.post("")
    async def create(request: Request) -> Response:
        def act(form: Form) -> Json:
            return shown(intents.create(state, intents.read_new_intent(form)), form.get("expand"))

        return await run_post(state, request, act)

    @router.get("/{id}")
    async def retrieve(id: str, request: Request) -> Response:
        with state.lock:
            return json_response(shown(state.intent(id), request.query_params.getlist("expand[]")))

    @router.post("/{id}/confirm")
    async def confirm(id: str, request: Request) -> Response:
        def act(form: Form) -> Json:
            return shown(intents.confirm(state, state.intent(id), read_str(form, "payment_method")), form.get("expand"))

        return await run_post(state, request, act)

    @router.post("/{id}/capture")
    async def capture(id: str, request: Request) -> Response:
        def act(form: Form) -> Json:
            amount, final = read_int(form, "amount_to_capture"), read_bool(form, "final_capture", True)
            captured = intents.capture(state, state.intent(id), amount, final=final, metadata=read_metadata(form))
            return shown(captured, form.get("expand"))

        return await run_post(state, request, act)

    @router.post("/{id}/cancel")
    async def cancel(id: str, request: Request) -> Response:
        def act(form: Form) -> Json:
            reason = intents.read_cancellation_reason(form)
            return shown(intents.cancel(state, state.intent(id), reason), form.get("expand"))

        return await run_post(state, request, act)

    return router


def _refund_routes(state: StripeState) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/refunds")
    async def refund(request: Request) -> Response:
        return await run_post(state, request, lambda form: refund_json(create_refund(state, form)))

    @router.get("/refunds")
    async def list_refunds(request: Request) -> Response:
        query = request.query_params
        limit = int(query.get("limit", "10")) if query.get("limit", "10").isdigit() else 0
        if not 1 <= limit <= 100:
            raise invalid_param("limit", "This value must be between 1 and 100.")
        with state.lock:
            found = list(reversed(state.refunds.values()))
            if "payment_intent" in query:
                found = state.refunds_of(state.intent(query["payment_intent"]).id)
            if "charge" in query:
                found = [r for r in found if r.charge == query["charge"]]
            after = query.get("starting_after")
            if after is not None:
                ids = [r.id for r in found]
                found = found[ids.index(after) + 1 :] if after in ids else []
            page = [refund_json(r) for r in found[:limit]]
        return json_response(list_json("/v1/refunds", page, has_more=len(found) > limit))

    @router.get("/refunds/{id}")
    async def retrieve_refund(id: str) -> Response:
        found = state.refunds.get(id)
        if found is None:
            raise StripeError(404, "invalid_request_error", f"No such refund: '{id}'", code="resource_missing")
        return json_response(refund_json(found))

    @router.get("/balance")
    async def balance() -> Response:
        with state.lock:
            currencies = sorted({c.currency for c in state.charges.values()} or {"eur"})
            held = {c: sum(x.unrefunded for x in state.charges.values() if x.currency == c) for c in currencies}
        available = [{"amount": held[c], "currency": c, "source_types": {"card": held[c]}} for c in currencies]
        return json_response({"object": "balance", "available": available, "pending": [], "livemode": False})

    @router.get("/charges/{id}")
    async def retrieve_charge(id: str) -> Response:
        with state.lock:
            return json_response(charge_json(state.charge(id)))

    return router
