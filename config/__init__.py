"""Typed configuration: the hub's settings, stock locations and sales channels."""
