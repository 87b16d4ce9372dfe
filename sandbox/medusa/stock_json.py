"""Variants, inventory items, location levels, stock locations and sales channels as Medusa v2 returns them."""

from __future__ import annotations

from typing import Any

from sandbox.medusa.ids import stamp
from sandbox.medusa.model import InventoryItem, Level, Location, SalesChannel, Variant
from sandbox.medusa.state import MedusaState

Json = dict[str, Any]

VARIANT_FIELDS = ("id", "title", "sku", "product_id", "manage_inventory", "allow_backorder", "created_at", "updated_at")
ITEM_FIELDS = (
    "id",
    "sku",
    "title",
    "description",
    "thumbnail",
    "origin_country",
    "hs_code",
    "mid_code",
    "material",
    "weight",
    "length",
    "height",
    "width",
    "requires_shipping",
    "metadata",
    "stocked_quantity",
    "reserved_quantity",
    "created_at",
    "updated_at",
)
LOCATION_FIELDS = ("id", "name", "address", "metadata", "created_at", "updated_at")
CHANNEL_FIELDS = ("id", "name", "description", "is_disabled", "metadata", "created_at", "updated_at")


def level_json(level: Level) -> Json:
    return {
        "id": level.id,
        "inventory_item_id": level.inventory_item_id,
        "location_id": level.location_id,
        "stocked_quantity": level.stocked_quantity,
        "reserved_quantity": level.reserved_quantity,
        "incoming_quantity": level.incoming_quantity,
        "available_quantity": level.available_quantity,
        "metadata": None,
        "created_at": stamp(level.created_at),
        "updated_at": stamp(level.updated_at),
    }


def item_json(state: MedusaState, item: InventoryItem) -> Json:
    levels = [level for (item_id, _), level in state.levels.items() if item_id == item.id]
    details = ("description", "thumbnail", "origin_country", "hs_code", "mid_code", "material")
    sizes = ("weight", "length", "height", "width")
    updated = max([item.created_at, *(level.updated_at for level in levels)])
    return {
        "id": item.id,
        "sku": item.sku,
        "title": item.title,
        **dict.fromkeys(details),
        **dict.fromkeys(sizes),
        "requires_shipping": item.requires_shipping,
        "metadata": None,
        "stocked_quantity": sum(level.stocked_quantity for level in levels),
        "reserved_quantity": sum(level.reserved_quantity for level in levels),
        "created_at": stamp(item.created_at),
        "updated_at": stamp(updated),
        "location_levels": [level_json(level) for level in levels],
    }


def variant_json(variant: Variant) -> Json:
    links = []
    if variant.inventory_item_id is not None:
        links.append(
            {
                "id": variant.link_id,
                "variant_id": variant.id,
                "inventory_item_id": variant.inventory_item_id,
                "required_quantity": 1,
            }
        )
    return {
        "id": variant.id,
        "title": variant.title,
        "sku": variant.sku,
        "product_id": variant.product_id,
        "manage_inventory": variant.inventory_item_id is not None,
        "allow_backorder": False,
        "created_at": stamp(variant.created_at),
        "updated_at": stamp(variant.created_at),
        "inventory_items": links,
    }


def location_json(location: Location) -> Json:
    return {
        "id": location.id,
        "name": location.name,
        "address": {"city": location.city, "country_code": location.country_code},
        "metadata": None,
        "created_at": stamp(location.created_at),
        "updated_at": stamp(location.created_at),
    }


def channel_json(state: MedusaState, channel: SalesChannel) -> Json:
    return {
        "id": channel.id,
        "name": channel.name,
        "description": None,
        "is_disabled": False,
        "metadata": None,
        "created_at": stamp(channel.created_at),
        "updated_at": stamp(channel.created_at),
        "stock_locations": [location_json(state.locations[loc]) for loc in channel.location_ids],
    }
