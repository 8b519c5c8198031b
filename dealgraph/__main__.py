"""`python -m dealgraph` runs the CLI."""

from dealgraph.cli import main

main()
