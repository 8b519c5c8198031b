"""`dealgraph significance`: are the loops more than a network with these degrees makes?"""

from __future__ import annotations

import click

from dealgraph.cli.options import data_options, open_dataset, to_json, user_errors
from dealgraph.cli.output import output_options
from dealgraph.cli.risk import flow_options
from dealgraph.queries.flows.flow import FlowFilter, deals_in_force, hops

TABLE_COLUMNS = ["scope", "name", "observed", "null_mean", "null_sd", "z", "p_value", "q_value"]


@click.command("significance")
@data_options
@flow_options
@click.option(
    "--max-length",
    type=click.IntRange(2, 8),
    default=5,
    show_default=True,
    help="Longest loop tested, in entities.",
)
@click.option("--samples", type=click.IntRange(1), default=1_000, show_default=True,
              help="Degree-preserving shuffles to compare with.")  # fmt: skip
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True,
              help="Seed of the shuffles: the same seed gives the same output.")  # fmt: skip
@click.option(
    "--keep-reciprocity",
    is_flag=True,
    help="Keep every two-way pair too: test longer loops beyond two-party deals.",
)
@click.option(
    "--shuffle-amounts",
    is_flag=True,
    help="Shuffle amounts across edges (by default they stay with the payer).",
)
@output_options()
@user_errors
def significance_command(
    data, samples, seed, keep_reciprocity, shuffle_amounts, out, as_of, kinds, include_rumored,
    amounts, max_length,
) -> None:  # fmt: skip
    """Loops against a degree-preserving null model: z, p-values, per-entity q-values."""
    from dealgraph.queries.significance.loop_significance import (
        significance,
        significance_dict,
        significance_rows,
    )

    dataset = open_dataset(data)
    flow = FlowFilter(as_of, kinds, include_rumored, amounts)
    hop_map = hops(deals_in_force(dataset.deals, flow))
    found = significance(
        hop_map, samples, seed, max_length, keep_reciprocity, shuffle_amounts,
        progress=_progress(samples) if out.shows_progress else None,
    )  # fmt: skip
    out.say(found.summary())
    if out.format == "json":
        out.write(to_json(significance_dict(found), indent=True) + "\n")
        return
    names = dict(zip(dataset.entities["id"], dataset.entities["name"], strict=True))
    out.emit(significance_rows(found, names), TABLE_COLUMNS)


def _progress(samples: int):
    def show(done: int) -> None:
        click.echo(f"\r{done:,} of {samples:,} shuffles", nl=done >= samples, err=True)

    return show


def analyze_lines(analysis, names: dict[str, str]) -> list[str]:
    """What `analyze` adds to its summary: the significance line and how the largest loops
    and the most concentrated entities move from headline to firm amounts."""
    from dealgraph.queries.findings.alerts import format_usd

    lines = []
    if analysis.significance is not None:
        lines += ["", f"Against chance: {analysis.significance.summary()}"]
    moved = analysis.firm
    if moved is not None:
        lines += ["", moved.summary() + ":"]
        for shift in moved.loops[:5]:
            path = " > ".join(names.get(e, e) for e in (*shift.entities, shift.entities[0]))
            firm = format_usd(shift.firm_usd) if shift.survives else "no loop"
            lines.append(f"  {format_usd(shift.headline_usd):>12} -> {firm:<10} {path}")
        for shift in moved.concentration[:5]:
            firm = "nothing firm" if shift.firm_top_share is None else f"{shift.firm_top_share:.0%}"
            lines.append(
                f"  {names.get(shift.entity, shift.entity)} ({shift.perspective}): top share "
                f"{shift.headline_top_share:.0%} of {format_usd(shift.headline_total_usd)} -> "
                f"{firm} of {format_usd(shift.firm_total_usd)}"
            )
    return lines
