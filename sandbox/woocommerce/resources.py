"""Products, variations and the system status as WooCommerce's REST API writes them."""

from __future__ import annotations

from typing import Any

from sandbox.shopify.money import text
from sandbox.woocommerce.catalog import Item, attribute_slug, slug
from sandbox.woocommerce.order_json import WC_VERSION
from sandbox.woocommerce.store import WooState

SITE = "https://boutique.example"


def item_json(state: WooState, item: Item) -> dict[str, Any]:
    """A product (simple or variable) or a variation, as `GET products` or `GET .../variations` returns it."""
    return variation_json(state, item) if item.kind == "variation" else product_json(state, item)


def product_json(state: WooState, item: Item) -> dict[str, Any]:
    children = [c for c in map(state.item, item.children) if c is not None]
    in_stock = item.stock_status == "instock" if not children else any(c.stock_status == "instock" for c in children)
    prices = [c.price for c in children] or [item.price]
    return {
        "id": item.id,
        "name": item.name,
        "slug": slug(item.name),
        "permalink": f"{SITE}/produit/{slug(item.name)}/",
        **_dates(state, item),
        "type": item.kind,
        "status": "publish",
        "catalog_visibility": "visible",
        "sku": item.sku,
        "price": text(min(prices), state.currency),
        "regular_price": "" if children else text(item.price, state.currency),
        "sale_price": "",
        "virtual": item.virtual,
        "downloadable": False,
        "tax_status": "taxable" if item.taxable else "none",
        "tax_class": "",
        **_stock(item),
        "stock_status": "instock" if in_stock else "outofstock",
        "parent_id": 0,
        "categories": [{"id": 15 + len(item.category), "name": item.category, "slug": slug(item.category)}],
        "attributes": _attributes(item, children),
        "variations": list(item.children),
        "meta_data": [],
    }


def variation_json(state: WooState, item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "type": "variation",
        "name": item.name,
        "parent_id": item.parent_id,
        "permalink": f"{SITE}/?p={item.parent_id}&attribute_{attribute_slug(item.attribute)}={slug(item.option)}",
        **_dates(state, item),
        "status": "publish",
        "sku": item.sku,
        "price": text(item.price, state.currency),
        "regular_price": text(item.price, state.currency),
        "sale_price": "",
        "virtual": item.virtual,
        "downloadable": False,
        "tax_status": "taxable" if item.taxable else "none",
        "tax_class": "",
        **_stock(item),
        "stock_status": item.stock_status,
        "attributes": [_option(item)],
        "menu_order": item.position,
        "meta_data": [],
    }


def _option(item: Item) -> dict[str, Any]:
    return {"id": 1, "name": item.attribute, "slug": attribute_slug(item.attribute), "option": item.option}


def _dates(state: WooState, item: Item) -> dict[str, Any]:
    return {**state.time.pair("date_created", item.created), **state.time.pair("date_modified", item.modified)}


def _stock(item: Item) -> dict[str, Any]:
    return {
        "manage_stock": item.manage_stock,
        "stock_quantity": item.stock_quantity if item.manage_stock else None,
        "backorders": "no",
        "backorders_allowed": False,
        "backordered": False,
    }


def _attributes(item: Item, children: list[Item]) -> list[dict[str, Any]]:
    if not children:
        return []
    options = [c.option for c in children]
    return [
        {
            "id": 1,
            "name": item.attribute,
            "slug": attribute_slug(item.attribute),
            "position": 0,
            "visible": True,
            "variation": True,
            "options": options,
        }
    ]


def system_status_json(state: WooState) -> dict[str, Any]:
    """A realistic subset of `GET system_status`."""
    return {
        "environment": {
            "home_url": SITE,
            "site_url": SITE,
            "version": WC_VERSION,
            "wp_version": "6.6.2",
            "wp_multisite": False,
            "language": "fr_FR",
            "php_version": "8.2.23",
        },
        "database": {"wc_database_version": WC_VERSION},
        "settings": {
            "api_enabled": True,
            "force_ssl": False,
            "currency": state.currency,
            "currency_symbol": "€" if state.currency == "EUR" else state.currency,
            "currency_position": "right_space",
            "thousand_separator": " ",
            "decimal_separator": ",",
            "number_of_decimals": 0 if state.currency == "JPY" else 2,
            "timezone": state.time.timezone_name(),
        },
    }
