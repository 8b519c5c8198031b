"""The data model as read from schema.toml: kinds, roles, statuses and what each looks like."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType


@dataclass(frozen=True)
class EntityKind:
    name: str
    label: str
    color: str


@dataclass(frozen=True)
class DealKind:
    name: str
    type: str
    color: str
    direction: str


@dataclass(frozen=True)
class Schema:
    entity_kinds: Mapping[str, EntityKind]
    deal_kinds: Mapping[str, DealKind]
    customer_kinds: frozenset[str]
    funder_kinds: frozenset[str]
    statuses: tuple[str, ...]
    default_status: str
    amount_bases: tuple[str, ...]
    default_amount_basis: str
    considerations: tuple[str, ...]
    default_consideration: str
    non_cash_considerations: frozenset[str]
    source_kinds: tuple[str, ...]


def _read() -> Schema:
    raw = tomllib.loads(resources.files(__package__).joinpath("schema.toml").read_text("utf-8"))
    entity_kinds = {k: EntityKind(k, **v) for k, v in raw["entity_kinds"].items()}
    deal_kinds = {k: DealKind(k, **v) for k, v in raw["deal_kinds"].items()}
    roles = {role: frozenset(kinds) for role, kinds in raw["roles"].items()}
    for role, kinds in roles.items():
        unknown = kinds - deal_kinds.keys()
        if unknown:
            raise ValueError(
                f"schema.toml: roles.{role} names unknown deal kinds {sorted(unknown)}"
            )
    considerations = raw["considerations"]
    non_cash = frozenset(considerations["non_cash"])
    if not non_cash <= set(considerations["values"]):
        raise ValueError("schema.toml: considerations.non_cash names unknown considerations")
    return Schema(
        entity_kinds=MappingProxyType(entity_kinds),
        deal_kinds=MappingProxyType(deal_kinds),
        customer_kinds=roles["customers"],
        funder_kinds=roles["funders"],
        statuses=tuple(raw["statuses"]["values"]),
        default_status=raw["statuses"]["default"],
        amount_bases=tuple(raw["amount_bases"]["values"]),
        default_amount_basis=raw["amount_bases"]["default"],
        considerations=tuple(considerations["values"]),
        default_consideration=considerations["default"],
        non_cash_considerations=non_cash,
        source_kinds=tuple(raw["source_kinds"]["values"]),
    )


SCHEMA = _read()
