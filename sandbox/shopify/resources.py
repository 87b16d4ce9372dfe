"""The JSON of locations, products, inventory items and inventory levels."""

from __future__ import annotations

from typing import Any

from sandbox.shopify.money import text
from sandbox.shopify.state import Level, Location, Product, ShopState, Variant


def location_json(state: ShopState, location: Location) -> dict[str, Any]:
    return {
        "id": location.id,
        "name": location.name,
        "address1": None,
        "address2": None,
        "city": location.city,
        "zip": None,
        "province": None,
        "province_code": location.province_code,
        "country": location.country_code,
        "country_code": location.country_code,
        "phone": None,
        "created_at": state.timestamp(state.created_at),
        "updated_at": state.timestamp(state.created_at),
        "legacy": False,
        "active": location.active,
        "admin_graphql_api_id": f"gid://shopify/Location/{location.id}",
    }


def product_json(state: ShopState, product: Product) -> dict[str, Any]:
    since = state.timestamp(state.created_at)
    return {
        "id": product.id,
        "title": product.title,
        "body_html": None,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "handle": _handle(product.title, product.id),
        "status": "active",
        "tags": "",
        "created_at": since,
        "updated_at": since,
        "published_at": since,
        "admin_graphql_api_id": f"gid://shopify/Product/{product.id}",
        "options": [{"name": "Title", "position": 1, "values": [v.title for v in product.variants]}],
        "variants": [variant_json(state, v) for v in product.variants],
        "images": [],
    }


def variant_json(state: ShopState, variant: Variant) -> dict[str, Any]:
    since = state.timestamp(state.created_at)
    stocked = sum(
        level.available for level in state.level_list() if level.inventory_item_id == variant.inventory_item_id
    )
    return {
        "id": variant.id,
        "product_id": variant.product_id,
        "title": variant.title,
        "option1": variant.title,
        "price": text(variant.price, state.profile.currency),
        "sku": variant.sku,
        "position": variant.position,
        "inventory_item_id": variant.inventory_item_id,
        "inventory_quantity": stocked,
        "inventory_management": "shopify" if variant.tracked else None,
        "inventory_policy": "deny",
        "grams": variant.grams,
        "requires_shipping": variant.requires_shipping,
        "taxable": variant.taxable,
        "created_at": since,
        "updated_at": since,
        "admin_graphql_api_id": f"gid://shopify/ProductVariant/{variant.id}",
    }


def inventory_item_json(state: ShopState, variant: Variant) -> dict[str, Any]:
    since = state.timestamp(state.created_at)
    return {
        "id": variant.inventory_item_id,
        "sku": variant.sku,
        "tracked": variant.tracked,
        "requires_shipping": variant.requires_shipping,
        "cost": None,
        "country_code_of_origin": None,
        "created_at": since,
        "updated_at": since,
        "admin_graphql_api_id": f"gid://shopify/InventoryItem/{variant.inventory_item_id}",
    }


def level_json(state: ShopState, level: Level) -> dict[str, Any]:
    return {
        "inventory_item_id": level.inventory_item_id,
        "location_id": level.location_id,
        "available": level.available,
        "updated_at": state.timestamp(level.updated_at),
        "admin_graphql_api_id": (
            f"gid://shopify/InventoryLevel/{level.location_id}?inventory_item_id={level.inventory_item_id}"
        ),
    }


def _handle(title: str, product_id: int) -> str:
    words = "".join(c if c.isalnum() else " " for c in title.lower()).split()
    return "-".join(words) or str(product_id)
