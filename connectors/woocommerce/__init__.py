"""WooCommerce (REST API v3): orders in, stock out, shipments reported as order notes."""
