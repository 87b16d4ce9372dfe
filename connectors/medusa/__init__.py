"""Medusa v2 Admin API connector: orders in, stock levels out, shipments back."""
