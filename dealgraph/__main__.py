"""`python -m dealgraph` runs the CLI (named `dealgraph`, so its completion works too)."""

from dealgraph.cli import main

main(prog_name="dealgraph")
