"""One resolver for every entity argument: an id, a name or an alias, in any case.

`exposure Oracle`, `concentration --entity oracle`, `map --focus "OpenAI"` and
`ds.exposure("Oracle Corporation")` all read the text the same way, and an ambiguous text
names the entities it may mean.
"""

from __future__ import annotations

import pandas as pd

from dealgraph.errors import DealgraphError


class UnknownEntity(DealgraphError):
    """An entity argument matches no entity, or more than one."""


def resolve_entity(entities: pd.DataFrame, text: str, argument: str = "entity") -> str:
    """The id of the one entity whose id, name or alias is `text` (case-insensitive).

    An exact id (any case) wins over names and aliases, as the loaders resolve deals.
    Raises `UnknownEntity` naming `argument` and, when ambiguous, every candidate id.
    """
    key = str(text).strip().lower()
    ids = [i for i in entities["id"] if i.lower() == key]
    if not ids:
        ids = sorted(
            i
            for i, name, aliases in zip(
                entities["id"], entities["name"], entities["aliases"], strict=True
            )
            if key in {str(name).lower(), *(str(a).lower() for a in aliases)}
        )
    if len(ids) != 1:
        which = f"may be {', '.join(ids)}" if ids else "no entity has this id, name or alias"
        raise UnknownEntity(f"{argument}: {text!r}: {which}")
    return ids[0]


def entity_choices(entities: pd.DataFrame, prefix: str) -> list[str]:
    """Ids whose id or name starts with `prefix` (any case): what shell completion offers."""
    key = prefix.lower()
    return sorted(
        i
        for i, name in zip(entities["id"], entities["name"], strict=True)
        if i.lower().startswith(key) or str(name).lower().startswith(key)
    )
