"""The `omshub` command line: thin commands over core, wired by run.py."""
