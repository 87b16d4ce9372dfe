"""The catalogue as WooCommerce holds it: simple products, and variable products whose variations carry the SKUs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from sandbox.shopify.catalog import ProductSpec

Kind = Literal["simple", "variable", "variation"]
IdSource = Callable[[], int]
# The global attribute a variable product varies by, chosen from its product type.
ATTRIBUTES = {
    "Chapeaux": "Couleur",
    "Cuisine": "Couleur",
    "Gants": "Taille",
    "Chaussettes": "Taille",
    "Literie": "Taille",
    "Papeterie": "Format",
    "Carte-cadeau": "Montant",
}
DEFAULT_ATTRIBUTE = "Poids"


@dataclass(frozen=True, slots=True)
class Item:
    """A product or a variation (both are posts, so they share one id space)."""

    id: int
    kind: Kind
    parent_id: int  # 0 unless a variation
    name: str
    sku: str
    price: Decimal
    manage_stock: bool
    stock_quantity: int | None
    virtual: bool
    taxable: bool
    category: str
    attribute: str  # the attribute's label ("Couleur"); "" for a simple product
    option: str  # a variation's value of it ("Marine"); "" otherwise
    children: tuple[int, ...]
    created: datetime
    modified: datetime
    position: int = 0

    @property
    def stock_status(self) -> str:
        if not self.manage_stock or self.stock_quantity is None:
            return "instock"
        return "instock" if self.stock_quantity > 0 else "outofstock"

    @property
    def sellable(self) -> bool:
        """A line can be bought: a simple product or a variation (a variable parent is not bought itself)."""
        return self.kind != "variable"


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "option"


def attribute_slug(label: str) -> str:
    return f"pa_{slug(label)}"


def build_catalogue(
    specs: Iterable[ProductSpec], *, stock: int | Mapping[str, int], since: datetime, new_id: IdSource
) -> list[Item]:
    """Every spec as a simple product (one variant) or a variable product with one variation per variant.

    `stock` is the starting quantity of every SKU, or a quantity per SKU (SKUs it leaves out start at 0).
    Gift cards are virtual and unmanaged: their stock is not tracked.
    """
    items: list[Item] = []
    for n, spec in enumerate(specs):
        created = since + timedelta(minutes=n)
        items.extend(_product(spec, stock=stock, created=created, new_id=new_id))
    return items


def _product(spec: ProductSpec, *, stock: int | Mapping[str, int], created: datetime, new_id: IdSource) -> list[Item]:
    managed = not spec.gift_card
    base = Item(
        id=new_id(),
        kind="simple",
        parent_id=0,
        name=spec.title,
        sku=spec.variants[0].sku,
        price=spec.variants[0].price,
        manage_stock=managed,
        stock_quantity=_quantity(stock, spec.variants[0].sku) if managed else None,
        virtual=not spec.requires_shipping,
        taxable=spec.taxable and not spec.gift_card,
        category=spec.product_type,
        attribute="",
        option="",
        children=(),
        created=created,
        modified=created,
    )
    if len(spec.variants) == 1:
        return [base]
    label = ATTRIBUTES.get(spec.product_type, DEFAULT_ATTRIBUTE)
    variations = [
        replace(
            base,
            id=new_id(),
            kind="variation",
            parent_id=base.id,
            name=f"{spec.title} - {v.title}",
            sku=v.sku,
            price=v.price,
            stock_quantity=_quantity(stock, v.sku) if managed else None,
            attribute=label,
            option=v.title,
            position=position,
        )
        for position, v in enumerate(spec.variants)
    ]
    parent = replace(
        base,
        kind="variable",
        sku="",
        manage_stock=False,
        stock_quantity=None,
        attribute=label,
        children=tuple(v.id for v in variations),
    )
    return [parent, *variations]


def _quantity(stock: int | Mapping[str, int], sku: str) -> int:
    return stock if isinstance(stock, int) else stock.get(sku, 0)
