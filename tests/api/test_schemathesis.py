"""Schemathesis against the API's own OpenAPI document, in process: whatever the schema allows (and a
share of what it does not), with the operator token, the API answers without a server error. Then any valid
canonical order, generated, is taken in (2xx) and taken in again unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from api.app import create_app
from tests.api.conftest import OPERATOR, canonical, dead_letter, item

FAST = settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_no_request_the_schema_describes_gets_a_server_error(hub, api):
    api.post("/orders", params={"channel": "webshop"}, json=canonical("1", item("TEE", 2)))
    api.post("/orders", params={"channel": "webshop"}, json=canonical("2", item("MUG", 5)))
    dead_letter(hub, 1)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(hub), headers=OPERATOR)
    for found in schema.get_all_operations():
        operation = found.ok()  # type: ignore[union-attr]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FAST
            @given(case=operation.as_strategy(mode))
            def answers_without_a_server_error(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=OPERATOR, checks=[not_a_server_error])

            try:
                answers_without_a_server_error()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing in it can be made invalid


text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=30)
lines = st.lists(
    st.fixed_dictionaries(
        {
            "line_id": text,
            "sku": st.sampled_from(["TEE", "MUG", "CAP"]) | text,
            "title": text,
            "quantity": st.integers(1, 10**6),
            "unit_price": st.integers(0, 10**12),
        }
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda line: line["line_id"],
)
orders = st.fixed_dictionaries(
    {
        "external_id": text,
        "currency": st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
        "placed_at": st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)).map(
            datetime.isoformat
        ),
        "lines": lines,
    },
    optional={"display_number": text, "notes": text, "payment_status": st.sampled_from(["authorized", "captured"])},
)


def test_any_valid_canonical_order_is_taken_in_and_taken_in_again_unchanged(api):
    @settings(FAST, max_examples=50)
    @given(order=orders)
    def taken_in_once(order: dict) -> None:
        first = api.post("/orders", params={"channel": "webshop"}, json=order)
        assert first.status_code in (200, 201), first.text
        again = api.post("/orders", params={"channel": "webshop"}, json=order)
        assert again.status_code == 200 and again.json()["result"] == "unchanged", again.text

    taken_in_once()
