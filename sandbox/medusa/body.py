"""Request bodies read as Medusa's server sees them: a JSON object, numbers with fractions kept exact."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request

from sandbox.medusa.errors import InvalidData


async def read_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}", parse_float=Decimal)
    except ValueError:
        raise InvalidData("Invalid request: body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidData("Invalid request: Expected type: 'object' for the body")
    return body
