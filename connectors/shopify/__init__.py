"""Shopify Admin REST connector: the order schema and the pure mapper to the canonical order."""
