"""The binder: (system, kind, external id) ↔ internal id, unique both ways."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from core import bindings


def test_binds_and_looks_up_both_ways(engine):
    with engine.begin() as conn:
        bindings.bind_many(conn, "brightpearl", "order", {"BP-1": 10, "BP-2": 11})
    with engine.connect() as conn:
        assert bindings.internal_ids(conn, "brightpearl", "order", ["BP-1", "BP-2", "BP-3"]) == {"BP-1": 10, "BP-2": 11}
        assert bindings.external_id(conn, "brightpearl", "order", 11) == "BP-2"
        assert bindings.external_id(conn, "stripe", "order", 11) is None


def test_an_external_id_cannot_be_bound_to_a_second_internal_id(engine):
    with engine.begin() as conn:
        bindings.bind_many(conn, "brightpearl", "order", {"BP-1": 10})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        bindings.bind_many(conn, "brightpearl", "order", {"BP-1": 12})


def test_an_internal_id_cannot_be_bound_to_a_second_external_id(engine):
    with engine.begin() as conn:
        bindings.bind_many(conn, "brightpearl", "order", {"BP-1": 10})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        bindings.bind_many(conn, "brightpearl", "order", {"BP-9": 10})


def test_the_same_ids_may_be_bound_in_another_system_or_kind(engine):
    with engine.begin() as conn:
        bindings.bind_many(conn, "brightpearl", "order", {"1": 10})
        bindings.bind_many(conn, "brightpearl", "contact", {"1": 10})
        bindings.bind_many(conn, "stripe", "order", {"1": 10})
    with engine.connect() as conn:
        assert bindings.internal_ids(conn, "stripe", "order", ["1"]) == {"1": 10}
