"""`omshub sandbox`: the local simulators (Shopify, WooCommerce, Medusa, Brightpearl, Stripe) the demo, the
end-to-end tests and the benchmarks use."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from core.model import CanonicalOrder, PaymentStatus
from core.totals import compute_totals, price_lines
from sandbox.brightpearl import DEFAULT_APP_REF
from sandbox.medusa import DEFAULT_API_KEY
from sandbox.server import RunningStripe, serve, start_brightpearl, start_medusa, start_stripe, start_woocommerce
from sandbox.shopify import DEFAULT_TOKEN, CallLimit, Faults
from sandbox.stripe import DEFAULT_SECRET_KEY
from sandbox.stripe.intents import NewIntent, create
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET


def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8787,
    seed: Annotated[int, typer.Option(help="Makes the catalogue, history and faults repeatable.")] = 0,
    orders: Annotated[int, typer.Option(help="Orders in the shop's history at start.")] = 200,
    rate: Annotated[float, typer.Option(help="Events per second afterwards (new orders, payments, edits...).")] = 0.5,
    profile: Annotated[str, typer.Option(help="'berlin' (EUR, taxes included) or 'quebec' (CAD, GST+QST).")] = "berlin",
    throttle: Annotated[float, typer.Option(help="Share of requests answered 429 with Retry-After.")] = 0.0,
    server_error: Annotated[float, typer.Option(help="Share of requests answered 500.")] = 0.0,
    slow: Annotated[float, typer.Option(help="Share of responses held back --delay seconds.")] = 0.0,
    delay: Annotated[float, typer.Option(help="Seconds a slow response is held back.")] = 1.0,
    malformed: Annotated[float, typer.Option(help="Share of 200 responses with a cut-short JSON body.")] = 0.0,
    token: Annotated[str, typer.Option(help="The X-Shopify-Access-Token the shop accepts.")] = DEFAULT_TOKEN,
    bucket: Annotated[int, typer.Option(help="Call-limit bucket size (standard plan 40).")] = 40,
    leak_rate: Annotated[float, typer.Option(help="Calls per second the bucket drains (standard plan 2).")] = 2.0,
    woocommerce_port: Annotated[int, typer.Option(help="Port of the WooCommerce shop; 0 leaves it out.")] = 8788,
    medusa_port: Annotated[int, typer.Option(help="Port of the Medusa backend; 0 leaves it out.")] = 8789,
    brightpearl_port: Annotated[
        int, typer.Option(help="Port of the Brightpearl warehouse (ships orders 30 s after release); 0 leaves it out.")
    ] = 8790,
    stripe_port: Annotated[int, typer.Option(help="Port of the Stripe account; 0 leaves it out.")] = 8791,
    authorizations: Annotated[
        Path | None,
        typer.Option(
            help="Canonical orders (NDJSON, as for `orders import`): each authorized one whose payment_reference is"
            " a pi_ id is authorized in the Stripe account under that id, for its total."
        ),
    ] = None,
) -> None:
    """Serve simulated systems on 127.0.0.1 until Ctrl-C: a Shopify shop (Admin REST API; the fault knobs apply
    to it), a WooCommerce shop and a Medusa v2 backend selling the same catalogue, a Brightpearl warehouse and a
    Stripe account."""
    others = _start_others(woocommerce_port, medusa_port, seed=seed, orders=orders, rate=rate)
    if stripe_port:
        stripe = start_stripe(port=stripe_port, seed=seed)
        others.append(stripe.stop)
        held = _authorize(stripe, authorizations) if authorizations is not None else 0
        typer.echo(f"sandbox Stripe on {stripe.base_url}/v1/ (key {DEFAULT_SECRET_KEY}, {held} held)", err=True)
    if brightpearl_port:
        warehouse = start_brightpearl(port=brightpearl_port, seed=seed, rate=1.0, ship_after=timedelta(seconds=30))
        others.append(warehouse.stop)
        where = f"{warehouse.base_url}/public-api/omshub/"
        typer.echo(f"sandbox Brightpearl on {where} (app ref {DEFAULT_APP_REF})", err=True)
    faults = Faults(
        seed=seed, throttle=throttle, server_error=server_error, slow=slow, delay=delay, malformed=malformed
    )
    typer.echo(f"sandbox shop on http://127.0.0.1:{port}/admin/api/2024-10/ (token {token}), Ctrl-C to stop", err=True)
    try:
        serve(
            port=port,
            seed=seed,
            orders=orders,
            rate=rate,
            faults=faults,
            token=token,
            profile=profile,
            call_limit=CallLimit(size=bucket, leak_per_second=leak_rate),
        )
    finally:
        for stop in others:
            stop()


def _start_others(
    woocommerce_port: int, medusa_port: int, *, seed: int, orders: int, rate: float
) -> list[Callable[[], None]]:
    """The WooCommerce and Medusa simulators in background threads; their stop functions."""
    stops: list[Callable[[], None]] = []
    if woocommerce_port:
        woo = start_woocommerce(port=woocommerce_port, seed=seed, orders=orders, rate=rate, stock=1_000)
        stops.append(woo.stop)
        typer.echo(
            f"sandbox WooCommerce on {woo.base_url}/wp-json/wc/v3/ (key {DEFAULT_KEY}, secret {DEFAULT_SECRET})",
            err=True,
        )
    if medusa_port:
        medusa = start_medusa(port=medusa_port, seed=seed, orders=orders, rate=rate, stock=1_000)
        stops.append(medusa.stop)
        typer.echo(f"sandbox Medusa on {medusa.base_url}/admin/ (API key {DEFAULT_API_KEY})", err=True)
    return stops


def _authorize(stripe: RunningStripe, path: Path) -> int:
    """Authorize, under their own ids, the payments the orders in `path` refer to; how many."""
    held = 0
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        order = CanonicalOrder.model_validate(json.loads(text))
        reference = order.payment_reference or ""
        if order.payment_status is not PaymentStatus.authorized or not reference.startswith("pi_"):
            continue
        total = compute_totals(order, price_lines(order)).total
        new = NewIntent(total, order.currency.lower(), "manual", "pm_card_visa", confirm=True)
        create(stripe.state, new, intent_id=reference)
        held += 1
        typer.echo(f"  {path.name}:{number}: {reference} holds {total} minor units of {order.currency}", err=True)
    return held
