"""The Brightpearl answers the connector reads: the `{"response": …}` envelope, search rows, sales orders (also
read as the parents of sales credits), goods-out notes, products and their availability. Only the fields used
are declared; every other field is ignored.

A goods-out note GET answers a map note id → note, each note's `orderRows` a map sales-order row id → the
products shipped against that row. A product-availability GET answers a map product id → figures in `total`
and per warehouse id in `warehouses`. Times are ISO-8601 with an offset.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from core.errors import FatalError


class _Brightpearl(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True)


class NoteStatus(_Brightpearl):
    shipped: bool = False
    shipped_on: AwareDatetime | None = None


class NoteShipping(_Brightpearl):
    reference: str | None = None


class NoteProduct(_Brightpearl):
    product_id: int | None = None
    quantity: int = Field(ge=0)
    external_ref: str | None = None


class GoodsOutNote(_Brightpearl):
    order_id: int
    warehouse_id: int
    status: NoteStatus = NoteStatus()
    shipping: NoteShipping = NoteShipping()
    created_on: AwareDatetime | None = None
    order_rows: dict[str, list[NoteProduct]] = Field(default_factory=dict)


class OrderRow(_Brightpearl):
    id: int
    product_id: int | None = None
    sku: str | None = None
    name: str | None = None
    external_ref: str | None = None


class Party(_Brightpearl):
    id: int


class Currency(_Brightpearl):
    code: str


class SalesOrder(_Brightpearl):
    id: int
    ref: str | None = None
    external_ref: str | None = None
    installed_integration_instance_id: int | None = None
    customer: Party | None = None
    customer_id: int | None = None
    """The customer at the top level, as older answers give it."""
    currency: Currency | None = None
    rows: list[OrderRow] = Field(default_factory=list)

    @property
    def contact_id(self) -> int | None:
        return self.customer.id if self.customer is not None else self.customer_id


class Figures(_Brightpearl):
    """Units of one product: `onHand` is `inStock` less `allocated`, what Brightpearl can still promise."""

    in_stock: int = 0
    on_hand: int = 0
    allocated: int = 0
    in_transit: int = 0


class Availability(_Brightpearl):
    total: Figures = Figures()
    warehouses: dict[str, Figures] = Field(default_factory=dict)


class ProductIdentity(_Brightpearl):
    sku: str | None = None


class Product(_Brightpearl):
    id: int
    identity: ProductIdentity = ProductIdentity()


def response_of(body: Any, what: str) -> Any:
    """The content of the success envelope."""
    if not isinstance(body, dict) or "response" not in body:
        raise FatalError(f"{what} answered without the 'response' envelope; is base_url the account's API root?")
    return body["response"]


def search_rows(body: Any, what: str) -> list[dict[str, Any]]:
    """Search results as dicts: each positional row zipped with `metaData.columns[].name`."""
    try:
        response = body["response"]
        names = [str(column["name"]) for column in response["metaData"]["columns"]]
        return [dict(zip(names, row, strict=True)) for row in response["results"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise FatalError(f"{what}: search results do not match their columns ({exc!r})") from None


def goods_out_notes(response: Any, what: str) -> dict[str, GoodsOutNote]:
    """The note map of a goods-out GET (None, for a 404 on the id set: no notes)."""
    if response is None:
        return {}
    if not isinstance(response, dict):
        raise FatalError(f"{what} answered a {type(response).__name__} where a map of notes was expected")
    try:
        return {str(note_id): GoodsOutNote.model_validate(note) for note_id, note in response.items()}
    except ValidationError as exc:
        raise FatalError(f"{what}: a goods-out note is not as expected: {_first(exc)}") from None


def sales_orders(response: Any, what: str) -> dict[int, SalesOrder]:
    """Sales orders by id from a sales-order GET (a list, or one order; None for a 404: none)."""
    raw = [] if response is None else response if isinstance(response, list) else [response]
    try:
        orders = [SalesOrder.model_validate(order) for order in raw]
    except ValidationError as exc:
        raise FatalError(f"{what}: a sales order is not as expected: {_first(exc)}") from None
    return {order.id: order for order in orders}


def availability(response: Any, what: str) -> dict[int, Availability]:
    """Figures by product id from a product-availability GET (None, for a 404 on the id set: none)."""
    if response is None:
        return {}
    if not isinstance(response, dict):
        raise FatalError(f"{what} answered a {type(response).__name__} where a map of products was expected")
    try:
        return {number(product_id, what): Availability.model_validate(raw) for product_id, raw in response.items()}
    except ValidationError as exc:
        raise FatalError(f"{what}: product availability is not as expected: {_first(exc)}") from None


def products(response: Any, what: str) -> dict[int, Product]:
    """Products by id from a product GET (a list; None for a 404: none)."""
    try:
        found = [Product.model_validate(product) for product in response or []]
    except (ValidationError, TypeError) as exc:
        detail = _first(exc) if isinstance(exc, ValidationError) else str(exc)
        raise FatalError(f"{what}: a product is not as expected: {detail}") from None
    return {product.id: product for product in found}


def number(value: Any, what: str) -> int:
    """A Brightpearl id, given as a number or a string of digits."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise FatalError(f"{what}: {value!r} is not a Brightpearl id")
    return int(value)


def _first(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
