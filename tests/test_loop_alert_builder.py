"""The fast loop-alert path against the reference one, and the bounded top-k it feeds.

`LoopAlertBuilder` works from per-hop tuples; `LoopAlerts` from a `Loop` and its
`loop_profile`. On random graphs (every status, basis, partial date and undisclosed amount
the generator knows) the two must give the same alerts: ids, fields and details, key order
included, as the JSON files are compared byte for byte.
"""

import json
import random

import pytest
from random_deals import random_folder

from dealgraph.loaders import load_dataset
from dealgraph.queries.findings.alert_kinds import AlertInputs, StreamReport, loop_alerts
from dealgraph.queries.findings.alerts import LoopAlerts, source_urls
from dealgraph.queries.findings.analysis import Options
from dealgraph.queries.findings.largest import Largest
from dealgraph.queries.flows.flow import FlowFilter
from dealgraph.queries.flows.loop_profile import DealTerms, loop_profile
from dealgraph.queries.flows.loops import find_loops
from dealgraph.queries.significance.robustness import firm_pairs


def reference_alerts(inputs: AlertInputs) -> list:
    """The loops' alerts the long way: a `Loop` each, its profile, `LoopAlerts`."""
    options = inputs.options
    firm = firm_pairs(inputs.deals) if options.flow.amounts == "headline" else None
    to_alert = LoopAlerts(source_urls(inputs.dataset.deals), inputs.names, firm)
    terms = DealTerms(inputs.dataset.deals)
    found = []
    for loop in find_loops(inputs.hop_map, options.max_length, options.min_amount).loops:
        profile = loop_profile(loop, terms)
        if options.max_span_days is None or profile.span_days <= options.max_span_days:
            found.append(to_alert(loop, profile))
    return found


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("amounts", ["headline", "firm"])
def test_builder_gives_the_reference_alerts_on_random_graphs(make_data, seed, amounts):
    data = load_dataset([random_folder(make_data, seed, entities=9, deals=60)])
    span = (None, 500, 1000)[seed % 3]
    options = Options(flow=FlowFilter(amounts=amounts), max_length=5, max_span_days=span)
    inputs = AlertInputs(data, options)
    expected = reference_alerts(inputs)
    report = StreamReport()
    got = list(loop_alerts(inputs, report))
    assert find_loops(inputs.hop_map, 5).loops, "the random graph should have loops"
    assert report.loops == len(got) and not report.truncated
    assert [json.dumps(a.as_dict()) for a in got] == [json.dumps(a.as_dict()) for a in expected]


def test_loop_alerts_stop_at_the_limit_and_say_so(make_data):
    data = load_dataset([random_folder(make_data, 3, entities=9, deals=60)])
    every = list(loop_alerts(AlertInputs(data, Options(max_length=5))))
    report = StreamReport()
    cut = list(loop_alerts(AlertInputs(data, Options(max_length=5, limit=3)), report))
    assert [a.id for a in cut] == [a.id for a in every[:3]]
    assert report.truncated and len(every) > 3


@pytest.mark.parametrize("k", [0, 1, 5, 40])
def test_largest_keeps_the_head_of_a_full_sort(k):
    rng = random.Random(k)
    items = [(rng.randint(0, 30), f"id{i}") for i in range(500)]  # many ties on the amount
    top = Largest(k, key=lambda item: -item[0])
    top.extend(items)
    assert top.items() == sorted(items, key=lambda item: -item[0])[:k]  # stable: first wins
    assert top.offered == len(items)
