"""Random buyers filling carts. They never ask for more than a sales channel's locations have available."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal

from sandbox.medusa import stock
from sandbox.medusa.cart import PROVIDERS, Cart, Shipping
from sandbox.medusa.errors import InsufficientStock
from sandbox.medusa.model import SalesChannel, Variant
from sandbox.medusa.state import MedusaState
from sandbox.shopify.catalog import BERLIN, PEOPLE

SHIPPING = (Shipping("Standard", Decimal("4.90")), Shipping("Express", Decimal("9.90")))
PROMOTION = "WELCOME10"


def random_cart(state: MedusaState, rng: random.Random, at: datetime) -> Cart | None:
    """A cart of one to three variants in a channel drawn 3:1 towards the first; None when nothing is left.
    Call with the state's lock held."""
    channels = list(state.sales_channels.values())
    channel = rng.choices(channels, weights=[3 if i == 0 else 1 for i in range(len(channels))])[0]
    wholesale = not channel.tax_inclusive
    picks = rng.sample(list(state.variants.values()), k=min(rng.randint(1, 3), len(state.variants)))
    lines: list[tuple[Variant, int]] = []
    for variant in picks:
        wanted = rng.randint(2, 10) if wholesale else rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        quantity = _coverable(state, channel, lines, variant, wanted)
        if quantity:
            lines.append((variant, quantity))
    if not lines:
        return None
    return Cart(
        channel=channel,
        lines=lines,
        buyer=rng.choice(PEOPLE),
        region=rng.choice(BERLIN.regions),
        at=at,
        shipping=rng.choice(SHIPPING),
        promotion=PROMOTION if rng.random() < 0.2 else None,
        provider_id=rng.choice(PROVIDERS),
    )


def _coverable(
    state: MedusaState, channel: SalesChannel, lines: list[tuple[Variant, int]], variant: Variant, wanted: int
) -> int:
    """The largest quantity up to `wanted` that the channel can reserve next to `lines`; 0 when none."""
    if variant.inventory_item_id is None:
        return wanted
    managed = [(v.inventory_item_id, q) for v, q in lines if v.inventory_item_id is not None]
    for quantity in range(wanted, 0, -1):
        try:
            stock.plan_locations(state, channel, [*managed, (variant.inventory_item_id, quantity)])
        except InsufficientStock:
            continue
        return quantity
    return 0
