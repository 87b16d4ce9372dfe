"""A channel payload kept as the JSON text the channel sent.

Decoding a page into Python objects only to write each order's payload out again as JSON costs more than
reading the fields the hub uses. A connector that reads its pages with a typed decoder keeps each record's
own slice of the body instead: the store writes the text as it is (see `core.store.types.json_text`), and it is
parsed only where a payload is compared or shown (`json_value`, which the store reads JSON columns with too).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, final

import orjson
from pydantic import GetCoreSchemaHandler, PlainValidator, WithJsonSchema
from pydantic_core import CoreSchema, core_schema


@final
class RawJson:
    """One JSON value as text, as the decoder that checked its syntax hands it over."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def of(cls, data: bytes | memoryview) -> RawJson:
        """From the bytes of a body; raises ValueError (UnicodeDecodeError) when they are not UTF-8, which a decoder
        that skips over a value without reading it does not check."""
        return cls(str(data, "utf-8"))

    def value(self) -> Any:
        """The payload as Python objects."""
        return json_value(self.text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawJson) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"RawJson({len(self.text)} characters)"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        serialize = core_schema.plain_serializer_function_ser_schema(lambda raw: raw.value())
        return core_schema.is_instance_schema(cls, serialization=serialize)


def value_of(payload: Any) -> Any:
    """A payload as Python objects, whether it was kept as text or decoded."""
    return payload.value() if isinstance(payload, RawJson) else payload


def json_value(text: str | bytes) -> Any:
    """JSON text as Python objects. A decoder that skips a value checks its syntax, not whether a number fits a
    double: orjson refuses `1e400`, so such a text is read by the standard library instead (as infinity)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _payload(value: Any) -> dict[str, Any] | RawJson:
    if isinstance(value, dict | RawJson):
        return value
    raise ValueError("the channel payload must be a JSON object")


Payload = Annotated[
    dict[str, Any] | RawJson, PlainValidator(_payload), WithJsonSchema({"type": "object", "additionalProperties": True})
]
"""A channel payload as decoded JSON or as the text it came in."""
