"""Each command's result as rows: the dicts `dealgraph <command> --format json` prints and
the Python API turns into DataFrames, shaped once here so both give the same rows and ids.
"""

from __future__ import annotations

from dealgraph.graph.model import DataSet
from dealgraph.queries.dependence.exposure import Exposure
from dealgraph.queries.findings.alerts import format_usd, stable_id
from dealgraph.queries.findings.analysis import Analysis
from dealgraph.queries.flows.loop_profile import DealTerms, loop_profile
from dealgraph.queries.flows.loops import Loop, largest_first


def entity_names(dataset: DataSet) -> dict[str, str]:
    entities = dataset.entities
    return dict(zip(entities["id"], entities["name"], strict=True))


def ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def signed_usd(amount: float | None) -> str:
    if amount is not None and amount < 0:
        return "-" + format_usd(-amount)
    return format_usd(amount)


def loop_path(loop: Loop, names: dict[str, str]) -> str:
    """`A > B > A`: the loop's entities by name, back to the first."""
    return " > ".join(names.get(e, e) for e in (*loop.entities, loop.entities[0]))


def loop_row(loop: Loop, names: dict[str, str]) -> dict:
    return {
        "id": stable_id("loop", *loop.entities),
        "length": loop.length,
        "entities": list(loop.entities),
        "path": loop_path(loop, names),
        "amount_usd": loop.amount_usd,
        "amount": format_usd(loop.amount_usd),
        "amount_low_usd": loop.amount_low_usd,
        "amount_high_usd": loop.amount_high_usd,
        "hops": [
            {
                "from": h.source,
                "to": h.target,
                "amount_usd": h.amount_usd,
                "kinds": list(h.kinds),
                "deal_ids": list(h.deal_ids),
            }
            for h in loop.hops
        ],
        "deal_ids": list(loop.deal_ids),
    }


def loop_rows(analysis: Analysis) -> list[dict]:
    """Largest first, each loop with its timing and firmness (`loop_profile`)."""
    names = entity_names(analysis.dataset)
    terms = DealTerms(analysis.dataset.deals)  # when each leg was signed, how firm it is
    return [
        {**loop_row(loop, names), **loop_profile(loop, terms).as_dict()}
        for loop in largest_first(analysis.loops.loops)
    ]


def concentration_rows(
    analysis: Analysis, perspective: str | None = None, entity: str | None = None
) -> list[dict]:
    names = entity_names(analysis.dataset)
    rows = []
    for c in analysis.concentration:
        if (perspective and c.perspective != perspective) or (entity and c.entity != entity):
            continue
        rows.append(
            {
                "entity": c.entity,
                "name": names.get(c.entity, c.entity),
                "perspective": c.perspective,
                "total_usd": c.total_usd,
                "total": format_usd(c.total_usd),
                "hhi": round(c.hhi, 4),
                "top": c.top.entity,
                "top_share": round(c.top.share, 4),
                "counterparties": [
                    {
                        "entity": p.entity,
                        "amount_usd": p.amount_usd,
                        "share": round(p.share, 6),
                        "deal_ids": list(p.deal_ids),
                    }
                    for p in c.counterparties
                ],
                "deal_ids": list(c.deal_ids),
            }
        )
    return rows


def alert_rows(analysis: Analysis) -> list[dict]:
    return [a.as_dict() for a in analysis.alerts]


def vendor_financing_rows(
    found: list, names: dict[str, str], min_amount: float | None = None
) -> list[dict]:
    rows = []
    for v in found:
        if min_amount and (v.returned_usd or 0.0) < min_amount:
            continue
        route = (*v.entities, v.funder)
        rows.append(
            {
                "id": stable_id("vendor", *v.entities),
                "funder": v.funder,
                "recipient": v.recipient,
                "via": v.via,
                "route": " > ".join(names.get(e, e) for e in route),
                "funding_usd": v.funding.amount_usd,
                "funding": format_usd(v.funding.amount_usd),
                "payments_usd": [p.amount_usd for p in v.payments],
                "sales_usd": v.sales_usd,
                "sales": format_usd(v.sales_usd),
                "returned_usd": v.returned_usd,
                "returned": format_usd(v.returned_usd),
                "coverage": ratio(v.coverage),
                "funding_deal_ids": list(v.funding.deal_ids),
                "payment_deal_ids": [d for p in v.payments for d in p.deal_ids],
                "deal_ids": list(v.deal_ids),
            }
        )
    return rows


def exposure_rows(found: Exposure, names: dict[str, str]) -> list[dict]:
    rows = []
    for direction in ("out", "in"):
        lines = [line for line in found.lines if line.direction == direction]
        total = found.total(direction)
        rows.append(_exposure_total(found, direction, total, lines))
        rows += [
            {
                "direction": direction,
                "counterparty": line.counterparty,
                "name": names.get(line.counterparty, line.counterparty),
                "kind": line.kind,
                "amount_usd": line.amount_usd,
                "amount": format_usd(line.amount_usd),
                "of_revenue": ratio(line.of_revenue),
                "of_cash": ratio(line.of_cash),
                "of_counterparty_revenue": ratio(line.of_counterparty_revenue),
                "deal_ids": list(line.deal_ids),
                "unknown_deal_ids": list(line.unknown_deal_ids),
            }
            for line in lines
        ]
    return rows


def _exposure_total(found: Exposure, direction: str, total: float, lines: list) -> dict:
    """The `*` row: a direction's sum over every counterparty and kind."""
    return {
        "direction": direction,
        "counterparty": "*",
        "name": "(all)",
        "kind": "*",
        "amount_usd": total,
        "amount": format_usd(total),
        "of_revenue": ratio(found.ratio(total, "revenue_usd")),
        "of_cash": ratio(found.ratio(total, "cash_usd")),
        "of_counterparty_revenue": None,
        "deal_ids": sorted(d for line in lines for d in line.deal_ids),
        "unknown_deal_ids": sorted(d for line in lines for d in line.unknown_deal_ids),
    }


def funding_rows(years: list, names: dict[str, str], entity: str | None = None) -> list[dict]:
    return [
        {
            "entity": y.entity,
            "name": names.get(y.entity, y.entity),
            "period": y.period,
            "end": y.end,
            "capex_usd": y.capex_usd,
            "capex": format_usd(y.capex_usd),
            "operating_cash_flow_usd": y.operating_cash_flow_usd,
            "cash_flow": signed_usd(y.operating_cash_flow_usd),
            "capex_to_cash_flow": ratio(y.capex_to_cash_flow),
            "gap_usd": y.gap_usd,
            "debt_raised_usd": y.debt_raised_usd,
            "debt_raised": format_usd(y.debt_raised_usd),
            "debt_change_usd": y.debt_change_usd,
            "partner_funding_usd": y.partner_funding_usd,
            "partners": format_usd(y.partner_funding_usd),
            "lean": y.lean,
            "debt_deal_ids": list(y.debt_deal_ids),
            "partner_deal_ids": list(y.partner_deal_ids),
            "source_url": y.source_url,
        }
        for y in years
        if entity is None or y.entity == entity
    ]


def stress_rows(result, names: dict[str, str]) -> list[dict]:
    return [
        {
            "entity": h.entity,
            "name": names.get(h.entity, h.entity),
            "shocked": h.shocked_fraction,
            "round": h.distressed_round,
            "direct_loss_usd": h.direct_loss_usd,
            "indirect_loss_usd": h.indirect_loss_usd,
            "loss_usd": h.loss_usd,
            "loss": format_usd(h.loss_usd),
            "size_usd": h.size_usd,
            "size_basis": h.size_basis,
            "loss_ratio": ratio(h.loss_ratio),
            "cut_fraction": ratio(h.cut_fraction),
            "path": " > ".join(names.get(e, e) for e in h.path),
            "path_ids": list(h.path),
            "deal_ids": list(h.deal_ids),
        }
        for h in result.hits
    ]


def circularity_rows(found, names: dict[str, str]) -> list[dict]:
    rows = [
        {
            "scope": "market",
            "entity": None,
            "name": "(market)",
            "throughflow_usd": found.throughflow_usd,
            "throughflow": format_usd(found.throughflow_usd),
            "cycled_usd": found.cycled_usd,
            "cycled": format_usd(found.cycled_usd),
            "cycling_share": round(found.index, 6),
            "component": None,
            "component_size": None,
            "deal_ids": list(found.deal_ids),
            "estimated": found.estimated,
            "cycling_share_stderr": _stderr(found.index_stderr),
        }
    ]
    rows += [
        {
            "scope": "entity",
            "entity": e.entity,
            "name": names.get(e.entity, e.entity),
            "throughflow_usd": e.throughflow_usd,
            "throughflow": format_usd(e.throughflow_usd),
            "cycled_usd": e.cycled_usd,
            "cycled": format_usd(e.cycled_usd),
            "cycling_share": round(e.cycling_share, 6),
            "component": e.component[0],  # named by its first member; group rows on it
            "component_size": len(e.component),
            "deal_ids": list(e.deal_ids),
            "estimated": e.estimated,
            "cycling_share_stderr": _stderr(e.stderr),
        }
        for e in found.entities
    ]
    return rows


def _stderr(value: float) -> float:
    """Two significant figures: an error bar, not a figure to add up."""
    return float(f"{value:.2g}")


def timeline_rows(quarters: list) -> list[dict]:
    kinds_seen = sorted({k for q in quarters for k in q.new_usd})
    return [
        {
            "quarter": q.label,
            "start": q.start,
            "end": q.end,
            "new_usd": q.new_total_usd,
            "new": signed_usd(q.new_total_usd),
            **{f"new_{kind}_usd": q.new_usd.get(kind, 0.0) for kind in kinds_seen},
            "cycled_usd": q.cycled_usd,
            "cycled": format_usd(q.cycled_usd),
            "cycling_index": round(q.index, 6),
            "loops": q.loops,
            "largest_loop_usd": q.largest_loop_usd,
            "largest_loop": format_usd(q.largest_loop_usd) if q.loops else "",
            "loop_search_truncated": q.truncated,
            "new_deal_ids": list(q.new_deal_ids),
        }
        for q in quarters
    ]
