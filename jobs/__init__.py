"""Jobs (pull orders, push inventory, dispatch, reconcile), their schedule and runner."""
