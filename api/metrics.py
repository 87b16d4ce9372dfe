"""`GET /metrics`: Prometheus text format (read scope)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from api.auth import READ_REFUSALS, Reader

router = APIRouter(tags=["health"], responses=READ_REFUSALS)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition format"}},
)
def metrics(request: Request, caller: Reader) -> Response:
    """Orders ingested, quarantined, reservations, pushes, outbox pending and dead letters, runs (durations,
    failures, rate-limited runs per channel), the oldest unshipped paid order; read from the store."""
    registry: CollectorRegistry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
