"""`dealgraph significance`: are the loops more than a network with these degrees makes?"""

from __future__ import annotations

import click

from dealgraph.cli.options import data_options, open_dataset, to_json, user_errors
from dealgraph.cli.output import output_options
from dealgraph.cli.risk import flow_options
from dealgraph.queries.flows.flow import FlowFilter, deals_in_force, hops

seed_option = click.option(
    "--seed",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Seed of the shuffles: the same seed gives the same output.",
)
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
@seed_option
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


def shuffle_options(by_size: bool):
    """`--samples` and `--seed` for the commands that can test their loops (`analyze`,
    `alerts`): with `by_size` the default is `analyze`'s, by the graph's size."""
    from dealgraph.queries.significance.loop_significance import ANALYZE_SAMPLES

    (small, many), (large, few) = ANALYZE_SAMPLES
    default = (
        f"by default {many:,} up to {small:,} money flows, {few:,} up to {large:,}, none beyond"
        if by_size
        else "by default none"
    )
    samples = click.option(
        "--samples",
        type=click.IntRange(0),
        default=None if by_size else 0,
        help="Degree-preserving shuffles to test the loops against, giving each loop alert the "
        f"p-value of its length and each entity alert the entity's (0: no test; {default}).",
    )
    return lambda command: samples(seed_option(command))


def _progress(samples: int):
    def show(done: int) -> None:
        click.echo(f"\r{done:,} of {samples:,} shuffles", nl=done >= samples, err=True)

    return show


def analyze_lines(analysis, names: dict[str, str], asked: int | None = None) -> list[str]:
    """What `analyze` adds to its summary: the significance line (or why there is none:
    `asked` is the --samples given, None when left to the graph's size) and how the
    largest loops and the most concentrated entities move from headline to firm amounts."""
    from dealgraph.queries.findings.alerts import format_usd
    from dealgraph.queries.significance.loop_significance import ANALYZE_SAMPLES

    lines = []
    if analysis.significance is not None:
        lines += ["", f"Against chance: {analysis.significance.summary()}"]
    elif asked is None:
        lines += ["", f"Against chance: not tested by default above {ANALYZE_SAMPLES[-1][0]:,} "
                  "money flows (--samples N, or `dealgraph significance`)"]  # fmt: skip
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
        for shift in moved.defaults[:5]:
            lost = shift.headline
            firm = shift.firm
            after = ("pays nothing firm" if firm is None else
                     f"{format_usd(firm.loss_usd)}, {len(firm.distressed)} distressed")  # fmt: skip
            lines.append(
                f"  if {names.get(shift.entity, shift.entity)} defaults: "
                f"{format_usd(lost.loss_usd)} lost, {len(lost.distressed)} distressed -> {after}"
            )
    return lines
