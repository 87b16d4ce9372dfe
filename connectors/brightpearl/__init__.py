"""Brightpearl: a fulfillment provider (sales orders out, goods-out notes back)."""
