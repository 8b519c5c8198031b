"""Writers that hand an analysis to other tools: Gephi, pandas and DuckDB, neo4j-admin, Aleph.

One module per format; `write_export` dispatches. A file format is written whole or not at
all (`atomic_output`); a folder format as a set certified by its manifest (`output_set`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dealgraph.atomic_files import atomic_output
from dealgraph.exports import ftm, gexf, graphml, neo4j_admin, parquet
from dealgraph.output_set import output_set
from dealgraph.queries.findings.analysis import Analysis


@dataclass(frozen=True)
class ExportFormat:
    name: str
    files: tuple[str, ...]  # the files of a folder format; () for a single file
    filtered: bool  # whether --as-of, --kinds and --include-rumored shape it
    write: Callable
    about: str


FORMATS = {
    f.name: f
    for f in (
        ExportFormat("graphml", (), True, graphml.write_graphml,
                     "GraphML file: entities and deals in force, with loop and HHI attributes"),
        ExportFormat("gexf", (), True, gexf.write_gexf,
                     "GEXF 1.2 file (Gephi): the same graph as graphml"),
        ExportFormat("parquet", parquet.FILES, True, parquet.write_parquet,
                     "folder of Parquet tables: data, loops, alerts, concentration"),
        ExportFormat("neo4j-admin", neo4j_admin.FILES, False, neo4j_admin.write_neo4j_admin,
                     "folder of CSV files for `neo4j-admin database import full`"),
        ExportFormat("ftm", (), True, ftm.write_ftm,
                     "FollowTheMoney entities as JSON lines"),
    )
}  # fmt: skip


def write_export(analysis: Analysis, format_name: str, path: Path) -> None:
    """Write `analysis` as `format_name` to `path` (a file, or a folder for folder formats)."""
    export = FORMATS[format_name]
    if export.files:
        with output_set(path, export.files) as staging:
            export.write(analysis, staging)
        return
    if format_name == "ftm":
        with atomic_output(path) as handle:
            export.write(analysis, handle)
        return
    buffer = io.BytesIO()  # networkx writes bytes; render whole, then replace the file at once
    export.write(analysis, buffer)
    with atomic_output(path, binary=True) as handle:
        handle.write(buffer.getvalue())
