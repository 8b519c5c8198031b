"""dealgraph: map the money of the AI build-out from cited deal records."""

__version__ = "0.1.0"
