"""GEXF, Gephi's own format (see `network` for the attributes)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from dealgraph.exports.network import money_graph
from dealgraph.queries.findings.analysis import Analysis


def write_gexf(analysis: Analysis, path: Path) -> None:
    """Write the money-flow graph as GEXF 1.2 (static: one snapshot at `--as-of`)."""
    nx.write_gexf(money_graph(analysis), path, encoding="utf-8", version="1.2draft")
