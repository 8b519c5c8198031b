"""The `dealgraph` command."""

from dealgraph.cli.findings import main

__all__ = ["main"]
