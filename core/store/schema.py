"""Tables. Changes here need an Alembic revision in core/store/migrations/versions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from core.store.types import Id, Json, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Money = BigInteger

stock_locations = Table(
    "stock_locations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(100), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
)

sales_channels = Table(
    "sales_channels",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("allocation_strategy", String(32), nullable=False),
    Column("shortage_policy", String(32), nullable=False),
    Column("allow_split", Boolean, nullable=False),
    Column("non_stock_skus", Json, nullable=False, server_default="[]"),
)

channel_locations = Table(
    "channel_locations",
    metadata,
    Column("channel", String(100), ForeignKey("sales_channels.name", ondelete="CASCADE"), primary_key=True),
    Column("location_id", Id, ForeignKey("stock_locations.id"), primary_key=True),
    Column("priority", Integer, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("channel", String(100), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("display_number", String(100)),
    Column("status", String(32), nullable=False),
    Column("payment_status", String(32), nullable=False),
    Column("fulfillment_status", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("upstream_updated_at", UTCDateTime, nullable=False),
    Column("upstream_version", BigInteger),
    Column("customer_email", String(320)),
    Column("customer_name", String(255)),
    Column("customer_phone", String(64)),
    Column("shipping_address", Json),
    Column("billing_address", Json),
    Column("notes", Text),
    Column("payment_reference", String(255)),
    Column("captured_total", Money, nullable=False, server_default="0"),
    Column("authorized_total", Money),
    Column("refunded_total", Money, nullable=False, server_default="0"),
    Column("authorization_expires_at", UTCDateTime),
    Column("taxes_included", Boolean, nullable=False),
    Column("subtotal", Money, nullable=False),
    Column("discount_total", Money, nullable=False),
    Column("shipping_total", Money, nullable=False),
    Column("shipping_tax", Money, nullable=False),
    Column("tax_total", Money, nullable=False),
    Column("total", Money, nullable=False),
    Column("hold_reason", Text),
    Column("fulfillment_hold", Text),  # why the order's fulfillment waits on a person; kept across channel versions
    Column("channel_status", String(64)),
    Column("raw", Json),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "external_id"),
    Index("ix_orders_channel_status", "channel", "status"),
    Index("ix_orders_updated_at", "updated_at"),
    Index(
        "ix_orders_fulfillment_hold",
        "fulfillment_hold",
        sqlite_where=text("fulfillment_hold IS NOT NULL"),
        postgresql_where=text("fulfillment_hold IS NOT NULL"),
    ),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("line_key", String(255), nullable=False),
    Column("position", Integer, nullable=False),
    Column("sku", String(255)),
    Column("title", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("discount", Money, nullable=False),
    Column("order_discount_share", Money, nullable=False),
    Column("tax_total", Money, nullable=False),
    Column("tax_lines", Json, nullable=False),
    Column("fulfilled_quantity", Integer, nullable=False),
    Column("shipped_quantity", Integer, nullable=False),
    Column("returned_quantity", Integer, nullable=False),
    Column("canceled_quantity", Integer, nullable=False),
    Column("backordered_quantity", Integer, nullable=False),
    Column("hub_fulfilled_quantity", Integer, nullable=False, server_default="0"),
    Column("holds_stock", Boolean, nullable=False, server_default=true()),
    UniqueConstraint("order_id", "line_key"),
)

inventory_items = Table(
    "inventory_items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sku", String(255), nullable=False, unique=True),
)

inventory_levels = Table(
    "inventory_levels",
    metadata,
    Column("item_id", Id, ForeignKey("inventory_items.id"), primary_key=True),
    Column("location_id", Id, ForeignKey("stock_locations.id"), primary_key=True),
    Column("stocked", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    Column("incoming", BigInteger, nullable=False),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("line_key", String(255), nullable=False),
    Column("item_id", Id, ForeignKey("inventory_items.id"), nullable=False),
    Column("location_id", Id, ForeignKey("stock_locations.id"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("order_id", "line_key", "item_id", "location_id"),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Id, primary_key=True),
    Column("item_id", Id, ForeignKey("inventory_items.id"), nullable=False),
    Column("location_id", Id, ForeignKey("stock_locations.id"), nullable=False),
    Column("field", String(16), nullable=False),
    Column("delta", BigInteger, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("reference", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("aggregate_type", String(50), nullable=False),
    Column("aggregate_id", String(255), nullable=False),
    Column("payload", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(100)),
    Column("claimed_until", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_outbox_status_available_at", "status", "available_at"),
    Index("ix_outbox_aggregate", "aggregate_type", "aggregate_id"),
)

bindings = Table(
    "bindings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("system", String(100), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("internal_id", BigInteger, nullable=False),
    UniqueConstraint("system", "kind", "external_id"),
    UniqueConstraint("system", "kind", "internal_id"),
)

bookmarks = Table(
    "bookmarks",
    metadata,
    Column("channel", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Id, primary_key=True),
    Column("channel", String(100), nullable=False),
    Column("fingerprint", String(255), nullable=False),
    Column("external_id", String(255)),
    Column("reason", Text, nullable=False),
    Column("payload", Json),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("times_seen", Integer, nullable=False),
    Column("resolved_at", UTCDateTime),
    UniqueConstraint("channel", "fingerprint"),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("channel", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("job", String(64), nullable=False),
    Column("channel", String(100), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("fetched", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("pushed", Integer, nullable=False),
    Column("throttled", Integer, nullable=False, server_default="0"),
    Column("bookmark_before", Text),
    Column("bookmark_after", Text),
    Column("error_category", String(32)),
    Column("error_message", Text),
    Index("ix_job_runs_channel_job_started_at", "channel", "job", "started_at"),
)

job_run_totals = Table(
    "job_run_totals",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("channel", String(100), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("error_category", String(32), primary_key=True),  # '' for runs without one
    Column("runs", BigInteger, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("pushed", BigInteger, nullable=False),
    Column("throttled", BigInteger, nullable=False),
    Column("last_finished_at", UTCDateTime, nullable=False),
    Column("last_run_id", BigInteger, nullable=False),
)

pushed_levels = Table(
    "pushed_levels",
    metadata,
    Column("channel", String(100), primary_key=True),
    Column("sku", String(255), primary_key=True),
    Column("location", String(100), primary_key=True),
    Column("available", BigInteger, nullable=False),
    Column("pushed_at", UTCDateTime, nullable=False),
)

bundle_components = Table(
    "bundle_components",
    metadata,
    Column("bundle_sku", String(255), primary_key=True),
    Column("component_sku", String(255), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("pooled", Boolean, nullable=False, server_default=false()),
    CheckConstraint("quantity >= 1", name="quantity_positive"),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(255), nullable=False, unique=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("location_id", Id, ForeignKey("stock_locations.id"), nullable=False),
    Column("lines", Json, nullable=False),
    Column("tracking", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_shipments_order_id", "order_id"),
)

tracking_pushes = Table(
    "tracking_pushes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", Id, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    Column("outbox_id", Id, ForeignKey("outbox.id", ondelete="SET NULL")),
    Column("number", String(255)),
    Column("carrier", String(100)),
    Column("url", Text),
    Column("status", String(16), nullable=False),
    Column("checks", Integer, nullable=False),
    Column("last_error", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("shipment_id", "number"),
    Index("ix_tracking_pushes_shipment_id", "shipment_id"),
    Index("ix_tracking_pushes_status", "status"),
)

outbox_replays = Table(
    "outbox_replays",
    metadata,
    Column("id", Id, primary_key=True),
    Column("outbox_id", Id, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False),
    Column("replayed_at", UTCDateTime, nullable=False),
    Column("replayed_by", String(200), nullable=False),
    Column("attempts_before", Integer, nullable=False),
    Column("error_before", Text),
    Index("ix_outbox_replays_outbox_id", "outbox_id"),
)

fulfillment_requests = Table(
    "fulfillment_requests",
    metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(255), nullable=False, unique=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("location_id", Id, ForeignKey("stock_locations.id"), nullable=False),
    Column("provider", String(100), nullable=False),
    Column("status", String(32), nullable=False),
    Column("provider_ref", String(255)),
    Column("lines", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_fulfillment_requests_order_id", "order_id"),
)

payment_operations = Table(
    "payment_operations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(255), nullable=False, unique=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("processor", String(100), nullable=False),
    Column("payment_reference", String(255), nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("cause", String(255), nullable=False),
    Column("reason", Text),
    Column("result_reference", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("order_id", "kind", "sequence"),
    Index("ix_payment_operations_status", "status"),
)

returns = Table(
    "returns",
    metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(255), nullable=False, unique=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(64)),
    Column("note", Text),
    Column("requested_by", String(100), nullable=False),
    Column("location_id", Id, ForeignKey("stock_locations.id")),
    Column("return_shipping", Money, nullable=False, server_default="0"),
    Column("refund_amount", Money),
    Column("refund_reference", String(255)),
    Column("refund_offset", Money, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_returns_order_id", "order_id"),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("return_id", Id, ForeignKey("returns.id", ondelete="CASCADE"), nullable=False),
    Column("line_key", String(255), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(64)),
    Column("received_quantity", Integer, nullable=False, server_default="0"),
    Column("disposition", String(16)),
    Column("location_id", Id, ForeignKey("stock_locations.id")),
    UniqueConstraint("return_id", "line_key"),
)

draft_orders = Table(
    "draft_orders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(64), unique=True),
    Column("channel", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payload", Json, nullable=False),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="SET NULL")),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

order_changes = Table(
    "order_changes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("claim_type", String(16)),
    Column("actions", Json, nullable=False),
    Column("total_before", Money, nullable=False),
    Column("total_after", Money, nullable=False),
    Column("difference", Money, nullable=False),
    Column("return_reference", String(255)),
    Column("payment_reference", String(255)),
    Column("fulfillment", Text),
    Column("reason", String(64)),
    Column("note", Text),
    Column("requested_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Index("ix_order_changes_order_id", "order_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("channel", String(100), primary_key=True),
    Column("delivery_id", String(255), primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("received_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)
