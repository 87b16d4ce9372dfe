"""Connectors to external systems (channels, 3PL/ERP, payments); one package per system."""
