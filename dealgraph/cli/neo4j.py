"""`dealgraph load` and `dealgraph cypher`: the commands that only make sense with Neo4j.

Each command validates its input, opens the store once, makes one library call and renders;
library errors become one line and exit status 2 through the CLI's `user_errors`.
"""

from __future__ import annotations

import json

import click

from dealgraph.cli.neo4j_options import connection_options, open_store
from dealgraph.cli.options import user_errors
from dealgraph.cli.output import Output, output_options, quiet_option
from dealgraph.graph.neo4j_store import BATCH, READ_TIMEOUT
from dealgraph.loaders import BUNDLED, load_dataset
from dealgraph.queries.cypher_catalogue import catalogue, named_query


@click.command("load")
@click.option(
    "--data",
    "data",
    multiple=True,
    metavar="PATH",
    help="A data folder or file, or 'bundled' (the default). Repeat to stack.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Make the database EQUAL to the data set: deals and entities that are not "
    "in it are deleted. Without it, a load only adds and updates.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=BATCH,
    show_default=True,
    help="Rows per committed transaction.",
)
@click.option(
    "--single-transaction",
    is_flag=True,
    help="Write the load as ONE transaction, merged into the stored graph: it must fit the "
    "server's transaction memory (see docs/neo4j.md).",
)
@connection_options
@quiet_option
@user_errors
def load_command(
    data: tuple[str, ...], replace: bool, batch_size: int, single_transaction: bool, quiet: bool
) -> None:
    """Write a data set into Neo4j: validated first, then written in committed batches
    that readers see all at once, when the load completes.

    Loading the same data again changes nothing; a changed deal is updated.
    If the load is interrupted, readers keep the data set they had, and the next
    load deletes what the interrupted one wrote.
    """  # fmt: skip
    dataset = load_dataset(data or (BUNDLED,))  # nothing is written if any row is bad
    store = open_store()
    total = len(dataset.entities) + len(dataset.deals)
    total += 0 if dataset.financials is None else len(dataset.financials)
    options = {"replace": replace, "batch_size": batch_size,
               "single_transaction": single_transaction}  # fmt: skip
    with Output("text", None, quiet).progress(total, "Loading") as bar:
        report = store.load(dataset, progress=bar.update, **options)
    line = f"Loaded {report.entities} entities and {report.deals} deals into Neo4j at {store.where}"
    if replace:
        line += (f"; --replace removed {report.removed_deals} deals and "
                 f"{report.removed_entities} entities not in the data set")  # fmt: skip
    if not quiet:
        click.echo(line)


def _parse_params(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict:
    """`key=value` pairs; a value that reads as JSON (10, 1e9, true, "x", [1]) is that value."""
    params: dict[str, object] = {}
    for text in values:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{text!r}: use KEY=VALUE, e.g. entity=openai")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


def _list_catalogue(out: Output) -> None:
    rows = [
        {"name": q.name,
         "params": " ".join(p.name if p.required else f"[{p.name}={json.dumps(p.default)}]"
                            for p in q.params),
         "answers": q.answers}
        for q in catalogue().values()
    ]  # fmt: skip
    out.emit(rows, ["name", "params", "answers"])


@click.command("cypher")
@click.argument("query", required=False)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_params,
    help="A query parameter ($KEY in the query); VALUE is read as JSON when it can be.",
)
@click.option(
    "--name",
    metavar="NAME",
    shell_complete=lambda ctx, param, incomplete: sorted(
        n for n in catalogue() if n.startswith(incomplete)
    ),
    help="Run a query of the catalogue (see --list).",
)
@click.option("--list", "list_", is_flag=True, help="List the catalogue of named queries.")
@click.option(
    "--write",
    is_flag=True,
    help="Allow anything Cypher can do: writes, LOAD CSV, administration commands and "
    "procedures off the read allowlist (all refused otherwise, before the query runs).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help=f"Stop the query after this long (default {READ_TIMEOUT:g} s for a read, no limit "
    "with --write).",
)
@output_options()
@connection_options
@user_errors
def cypher_command(query, params, name, list_, write, timeout, out) -> None:
    """Run Cypher against the graph in Neo4j and print the rows.

    Read-only unless --write: only reads of the graph run (no LOAD CSV, no administration
    command, only procedures on the read allowlist of docs/security.md); anything else is
    refused before it runs, and reads run in a read-only session the server enforces.

    \b
    dealgraph cypher "MATCH (e:Neocloud) RETURN e.id, e.name"
    dealgraph cypher --name exposure --param entity=coreweave --format csv
    """  # fmt: skip
    if list_:
        if query or name:
            raise click.UsageError("--list takes no query and no --name")
        return _list_catalogue(out)
    if bool(query) == bool(name):
        raise click.UsageError('give a QUERY ("MATCH ... RETURN ...") or --name NAME, not both')
    if name:
        named = named_query(name)
        query, params = named.text, named.bind(params)
    result = open_store().run(query, params, write=write, timeout=timeout)
    out.emit(result.rows, result.keys)
    if result.counters:
        changes = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.counters.items())
        out.say(f"Changed: {changes}")
