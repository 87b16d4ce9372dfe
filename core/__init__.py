"""The order-management core: canonical orders, intake, inventory, outbox and the store.

Nothing in this package talks to the network or reads configuration; what it needs from the
outside is handed in by the composition root (`run.py`).
"""
