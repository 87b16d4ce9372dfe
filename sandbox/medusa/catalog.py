"""The store's fixed setup built from seed data: stock locations, sales channels, variants, inventory items, levels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sandbox.medusa.ids import IdSource
from sandbox.medusa.model import InventoryItem, Level, Location, SalesChannel, Variant
from sandbox.shopify.catalog import ProductSpec

CITIES = (("Berlin", "de"), ("Leipzig", "de"), ("Wien", "at"), ("Paris", "fr"))


@dataclass(frozen=True, slots=True)
class Catalog:
    locations: dict[str, Location]
    sales_channels: dict[str, SalesChannel]
    variants: dict[str, Variant]
    inventory_items: dict[str, InventoryItem]
    levels: dict[tuple[str, str], Level]


def build_catalog(
    ids: IdSource,
    at: datetime,
    *,
    products: Iterable[ProductSpec],
    stock: int | Mapping[str, int],
    locations: Sequence[str],
    sales_channels: Sequence[str],
) -> Catalog:
    """Every channel sells from every location, each channel trying them in its own order (rotated by one)."""
    places = [_location(ids, at, name, i) for i, name in enumerate(locations)]
    place_ids = tuple(p.id for p in places)
    channels = [
        SalesChannel(
            id=ids.new("sc", at),
            name=name,
            location_ids=place_ids[i % len(place_ids) :] + place_ids[: i % len(place_ids)],
            tax_inclusive=i == 0,
            created_at=at,
        )
        for i, name in enumerate(sales_channels)
    ]
    variants = [v for spec in products for v in _variants(ids, at, spec)]
    items = [_item(v, at) for v in variants if v.inventory_item_id is not None]
    levels = {
        (item.id, place.id): Level(
            id=ids.new("iloc", at),
            inventory_item_id=item.id,
            location_id=place.id,
            stocked_quantity=stock if isinstance(stock, int) else stock.get(item.sku, 0),
            reserved_quantity=0,
            incoming_quantity=0,
            created_at=at,
            updated_at=at,
        )
        for item in items
        for place in places
    }
    return Catalog(
        locations={p.id: p for p in places},
        sales_channels={c.id: c for c in channels},
        variants={v.id: v for v in variants},
        inventory_items={i.id: i for i in items},
        levels=levels,
    )


def _location(ids: IdSource, at: datetime, name: str, index: int) -> Location:
    city, country = CITIES[index % len(CITIES)]
    return Location(ids.new("sloc", at), name, city, country, at)


def _variants(ids: IdSource, at: datetime, spec: ProductSpec) -> list[Variant]:
    product_id = ids.new("prod", at)
    return [
        Variant(
            id=ids.new("variant", at),
            product_id=product_id,
            product_title=spec.title,
            title=v.title,
            sku=v.sku,
            price=v.price,
            requires_shipping=spec.requires_shipping,
            inventory_item_id=None if spec.gift_card else ids.new("iitem", at),
            link_id=ids.new("pvitem", at),
            created_at=at,
        )
        for v in spec.variants
    ]


def _item(variant: Variant, at: datetime) -> InventoryItem:
    assert variant.inventory_item_id is not None
    title = f"{variant.product_title} — {variant.title}"
    return InventoryItem(variant.inventory_item_id, variant.sku, title, variant.requires_shipping, at)
