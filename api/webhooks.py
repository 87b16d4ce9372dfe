"""`POST /webhooks/{channel}`: a channel's webhook, taken as a hint that one of its orders changed.

There is no bearer token: the signature over the raw body is the request's authentication, checked before anything
in it is read. A delivery about an order is recorded by (channel, delivery id) and answered 202 at once; then the
order is fetched again from the channel and taken in through the same intake as a pull, leaving the pull's bookmark
alone. What the body says of the order is never used, so a lost, repeated or late delivery changes nothing the
scheduled pull would not. A delivery handled before is answered 200 and not handled again; one whose handling
failed is handled again when the channel sends it again (see core.webhooks).

The orders of deliveries that arrive while a channel's earlier ones are being fetched wait, and are then fetched
together in one lookup: a burst of deliveries costs the channel a few requests, not one each.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, Field, SecretStr

from api.schemas import Problem
from api.state import ApiState, State
from connectors.base import PING, BadSignature, MalformedWebhook, WebhookNotice, WebhookReceiver
from core import webhooks
from core.errors import OmshubError
from core.intake import IntakeResult, ingest
from core.model import CanonicalOrder
from core.quarantine import Rejected
from core.webhooks import Delivery, Outcome

router = APIRouter(tags=["webhooks"])
log = structlog.get_logger("omshub.api")

REFETCH_SECONDS = 30.0
"""How long fetching orders again may take, retries included (a failure is caught up by the pull)."""
PER_LOOKUP = 100
"""Orders fetched again in one lookup at most."""


class Refetches:
    """This process's deliveries waiting for their orders to be fetched again, by channel. While one thread serves
    a channel, deliveries for it only wait; that thread takes them all in its next lookup."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, list[Delivery]] = {}
        """Channels being served, with what waits for each."""

    def add(self, delivery: Delivery) -> bool:
        """Let `delivery` wait; True when no thread serves its channel, so the caller must (`serve`)."""
        with self._lock:
            waiting = self._waiting.get(delivery.channel)
            if waiting is not None:
                waiting.append(delivery)
                return False
            self._waiting[delivery.channel] = [delivery]
            return True

    def take(self, channel: str) -> list[Delivery]:
        """The next deliveries to handle for `channel`; when none are left, the channel is no longer served."""
        with self._lock:
            waiting = self._waiting[channel]
            batch, self._waiting[channel] = waiting[:PER_LOOKUP], waiting[PER_LOOKUP:]
            if not batch:
                del self._waiting[channel]
            return batch

    def abandon(self, channel: str) -> list[Delivery]:
        """Stop serving `channel` (its server failed); what waited stays claimed, for the pull to catch up."""
        with self._lock:
            return self._waiting.pop(channel, [])


_CREATING = threading.Lock()


def _refetches(request: Request) -> Refetches:
    """The application's one `Refetches`, made on first use."""
    app_state = request.app.state
    with _CREATING:
        if not hasattr(app_state, "webhook_refetches"):
            app_state.webhook_refetches = Refetches()
    refetches: Refetches = app_state.webhook_refetches
    return refetches


class WebhookAnswer(BaseModel):
    outcome: str = Field(
        description="accepted (the order is fetched again now), duplicate (handled before), ping, or ignored"
        " (the delivery is not about an order)"
    )
    delivery_id: str | None
    topic: str
    external_id: str | None = Field(description="the order the delivery is about")


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]
ChannelName = Annotated[
    str,
    Path(min_length=1, max_length=100, description="A channel under [channels] with a webhook_secret."),
]
_BODY: dict[str, Any] = {
    "required": True,
    "description": "The delivery as the channel sends it: the order's JSON (or WooCommerce's `webhook_id=N` ping).",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/x-www-form-urlencoded": {"schema": {"type": "string"}},
    },
}


@router.post(
    "/webhooks/{channel}",
    response_model=WebhookAnswer,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"model": WebhookAnswer, "description": "A duplicate, a ping, or a delivery about no order."},
        400: {"model": Problem, "description": "Signed, but without a delivery id, a topic or the order's id."},
        401: {"model": Problem, "description": "The signature is missing or does not match the body."},
        404: {"model": Problem, "description": "No such channel, or it takes no webhooks (no webhook_secret)."},
    },
    openapi_extra={"requestBody": _BODY},
)
def receive(
    channel: ChannelName,
    body: RawBody,
    request: Request,
    state: State,
    refetches: Annotated[Refetches, Depends(_refetches)],
    response: Response,
    background: BackgroundTasks,
) -> WebhookAnswer:
    """A Shopify or WooCommerce webhook, signed with the channel's webhook_secret (no bearer token). Answered at
    once; the order it names is then fetched again from the channel and taken in as a pull takes it."""
    receiver, secret = _receiver(state, channel)
    try:
        notice = receiver.read_webhook(request.headers, body, secret=secret)
    except BadSignature as exc:
        detail = f"{exc}; deliveries must be signed with channels.{channel}.webhook_secret"
        raise _refused(state, channel, "bad_signature", status.HTTP_401_UNAUTHORIZED, detail=detail) from None
    except MalformedWebhook as exc:
        raise _refused(state, channel, "malformed", status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None
    if notice.delivery_id is None or notice.external_id is None:
        response.status_code = status.HTTP_200_OK
        return _answer(state, channel, notice, "ping" if notice.topic == PING else "ignored")
    delivery = Delivery(channel, notice.delivery_id, notice.topic, notice.external_id)
    with state.hub.engine.begin() as conn:
        claimed = webhooks.claim(conn, delivery, state.hub.clock.now())
    if not claimed:
        response.status_code = status.HTTP_200_OK
        return _answer(state, channel, notice, "duplicate")
    if refetches.add(delivery):
        background.add_task(serve, state, receiver, refetches, channel)
    return _answer(state, channel, notice, "accepted")


def serve(state: ApiState, receiver: WebhookReceiver, refetches: Refetches, channel: str) -> None:
    """Handle the channel's waiting deliveries, a lookup at a time, until none are left."""
    try:
        while batch := refetches.take(channel):
            handle(state, receiver, batch)
    except BaseException:
        left = refetches.abandon(channel)
        log.exception("webhook.serving_stopped", channel=channel, left=len(left))
        raise


def handle(state: ApiState, receiver: WebhookReceiver, deliveries: list[Delivery]) -> None:
    """Fetch the deliveries' orders again (one channel's) and take them in, without a bookmark; record, count
    and log how each ended."""
    hub, channel, error = state.hub, deliveries[0].channel, None
    try:
        page = receiver.fetch_orders([d.external_id for d in deliveries], time_left=REFETCH_SECONDS)
        outcomes = _outcomes(ingest(hub.engine, channel, page.orders, clock=hub.clock), page.orders)
    except OmshubError as exc:
        outcomes, error = {}, str(exc)
        log.warning("webhook.refetch_failed", channel=channel, deliveries=len(deliveries), error=error)
    except Exception as exc:  # recorded like any failure: the scheduled pull takes the orders in
        outcomes, error = {}, type(exc).__name__
        log.exception("webhook.refetch_failed", channel=channel, deliveries=len(deliveries), error=error)
    now = hub.clock.now()
    with hub.engine.begin() as conn:
        for delivery in deliveries:
            outcome = outcomes.get(delivery.external_id, Outcome.failed if error else Outcome.missing)
            webhooks.finish(conn, delivery, outcome, now, error=error)
            state.counters.webhook_refetches.labels(channel=channel, result=outcome.value).inc()
            log.info(
                "webhook.handled",
                channel=channel,
                delivery_id=delivery.delivery_id,
                external_id=delivery.external_id,
                outcome=outcome.value,
            )


def _receiver(state: ApiState, channel: str) -> tuple[WebhookReceiver, SecretStr]:
    config = state.hub.config.channels.get(channel)
    if config is None:
        unknown = f"channel {channel!r} is not configured; add [channels.{channel}]"
        raise HTTPException(status.HTTP_404_NOT_FOUND, unknown)
    connector = state.hub.connectors().get(channel)
    if not isinstance(connector, WebhookReceiver):
        problem = f"its connector ({config.type or 'none: import-only'}) has no webhooks; its orders come by pull"
    elif config.webhook_secret is None:
        problem = f'set channels.{channel}.webhook_secret = "env:VARIABLE" to the secret the channel signs with'
    else:
        return connector, config.webhook_secret
    detail = f"channel {channel!r} takes no webhooks: {problem}"
    raise _refused(state, channel, "refused", status.HTTP_404_NOT_FOUND, detail=detail)


def _refused(state: ApiState, channel: str, outcome: str, code: int, *, detail: str) -> HTTPException:
    state.counters.webhooks.labels(channel=channel, outcome=outcome).inc()
    log.warning(f"webhook.{outcome}", channel=channel, reason=detail)
    return HTTPException(code, detail)


def _answer(state: ApiState, channel: str, notice: WebhookNotice, outcome: str) -> WebhookAnswer:
    state.counters.webhooks.labels(channel=channel, outcome=outcome).inc()
    log.info(f"webhook.{outcome}", channel=channel, delivery_id=notice.delivery_id, topic=notice.topic)
    return WebhookAnswer(
        outcome=outcome, delivery_id=notice.delivery_id, topic=notice.topic, external_id=notice.external_id
    )


def _outcomes(taken: IntakeResult, fetched: Sequence[CanonicalOrder | Rejected]) -> dict[str, Outcome]:
    """How intake took in each fetched order, by external id (an order the channel did not return is missing)."""
    found = {r.external_id: Outcome.quarantined for r in fetched if isinstance(r, Rejected) and r.external_id}
    return {**found, **{ext: Outcome(result) for ext, result in taken.outcomes.items()}}
