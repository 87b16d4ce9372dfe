"""The HTTP API: order intake, reading, operations, health and metrics (`omshub serve`)."""
