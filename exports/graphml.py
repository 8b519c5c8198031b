"""GraphML for Gephi, yEd, networkx and igraph (see `network` for the attributes)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from dealgraph.exports.network import money_graph
from dealgraph.queries.findings.analysis import Analysis


def write_graphml(analysis: Analysis, path: Path) -> None:
    """Write the money-flow graph, typed attributes declared per key (`attr.type`)."""
    nx.write_graphml(money_graph(analysis), path, encoding="utf-8", named_key_ids=True)
