"""`omshub sandbox`: the local Shopify simulator the demo, the end-to-end tests and the benchmarks use."""

from __future__ import annotations

from typing import Annotated

import typer

from sandbox.server import serve
from sandbox.shopify import DEFAULT_TOKEN, CallLimit, Faults


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
) -> None:
    """Serve a simulated Shopify shop (Admin REST API) on 127.0.0.1 until Ctrl-C."""
    faults = Faults(
        seed=seed, throttle=throttle, server_error=server_error, slow=slow, delay=delay, malformed=malformed
    )
    typer.echo(f"sandbox shop on http://127.0.0.1:{port}/admin/api/2024-10/ (token {token}), Ctrl-C to stop", err=True)
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
