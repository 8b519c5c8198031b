"""The catalogue of named Cypher queries shipped in `queries/cypher/*.cypher`.

Each file is a query an analyst can run as it is (in Neo4j Browser too), opened by a header
of `//` comments that this module reads:

    // name: exposure
    // answers: An entity's exposure: its deals in force today, money in and out, ...
    // param: entity - the entity id, e.g. coreweave
    // param: limit = 10 - how many rows (a default makes the parameter optional)

Defaults are JSON (`10`, `"low"`); a parameter without one is required. `dealgraph cypher
--list` prints the catalogue and `dealgraph cypher --name exposure --param entity=coreweave`
runs an entry. The queries only read, so they run in a read-only session.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from dealgraph.errors import DealgraphError

_PARAM = re.compile(r"^(?P<name>\w+)\s*(?:=\s*(?P<default>.+?))?\s+-\s+(?P<about>.+)$")


@dataclass(frozen=True)
class Param:
    name: str
    about: str
    required: bool
    default: object = None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    answers: str
    params: tuple[Param, ...]
    text: str

    def bind(self, given: dict[str, object]) -> dict[str, object]:
        """The parameters to run with: `given` plus defaults; refuse unknown or missing ones."""
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            takes = ", ".join(sorted(known)) or "no parameters"
            raise DealgraphError(f"query {self.name!r} has no parameter {', '.join(unknown)} "
                                 f"(it takes: {takes})")  # fmt: skip
        missing = [p.name for p in self.params if p.required and p.name not in given]
        if missing:
            raise DealgraphError(f"query {self.name!r} needs --param " +
                                 " --param ".join(f"{m}=VALUE" for m in missing))  # fmt: skip
        bound = {p.name: p.default for p in self.params if not p.required}
        bound.update(given)
        return bound


def parse(text: str, source: str) -> NamedQuery:
    """Read a `.cypher` file's header; raise ValueError naming the file when it is malformed."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        key, _, value = line[2:].strip().partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            match = _PARAM.match(value)
            if not match:
                raise ValueError(f"{source}: bad param line {line!r} (use 'NAME [= JSON] - what')")
            default = match["default"]
            params.append(Param(match["name"], match["about"], default is None,
                                None if default is None else json.loads(default)))  # fmt: skip
        elif key in ("name", "answers"):
            fields[key] = value
    for key in ("name", "answers"):
        if not fields.get(key):
            raise ValueError(f"{source}: the header has no '// {key}: ...' line")
    return NamedQuery(fields["name"], fields["answers"], tuple(params), text)


def catalogue() -> dict[str, NamedQuery]:
    """Every named query, by name, in name order."""
    folder = resources.files(__package__).joinpath("cypher")
    queries = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".cypher"):
            query = parse(entry.read_text("utf-8"), entry.name)
            if f"{query.name}.cypher" != entry.name:
                raise ValueError(f"{entry.name}: its header names it {query.name!r}")
            queries[query.name] = query
    return queries


def named_query(name: str) -> NamedQuery:
    queries = catalogue()
    if name not in queries:
        raise DealgraphError(f"no query named {name!r} (see `dealgraph cypher --list`: "
                             f"{', '.join(queries)})")  # fmt: skip
    return queries[name]
