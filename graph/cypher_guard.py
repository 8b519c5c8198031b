"""Read-only Cypher: decide, before a query runs, whether it only reads the graph.

`dealgraph cypher` without `--write` must read the graph and nothing else: no files or URLs
(`LOAD CSV`, `apoc.load.*`), no administration (`SHOW SETTINGS`, `TERMINATE TRANSACTIONS`,
users, databases), no procedure or function that reaches outside the graph or runs Cypher
given as a string (`apoc.cypher.*`, `apoc.periodic.*`, `apoc.util.sleep`, `dbms.*`).

    summary = session.run("EXPLAIN " + query, params).consume()
    reason = refusal(query, summary.plan, summary.query_type)   # None: a read of the graph

Two lines of defence, and the first to object names what it refused:
1. The server's own parse. EXPLAIN plans the query without running it; the plan tree has
   every clause, subquery and expression, whatever comments, case, backticks or `CALL {}`
   the text used, with procedure and function names in their canonical spelling. Refused:
   `LoadCSV`, the command operators (`Show...`, `Terminate...`, `AdministrationCommand`),
   procedure calls and namespaced functions not on the allowlist (cypher_allowlist.toml),
   then any plan whose query type is not `r` (a write, or a schema command).
2. The query text, tokenized so that string literals and comments are not code: the same
   checks on `LOAD CSV`, administration keywords and dotted calls.

A query EXPLAIN rejects as an administration command (`GRANT`, `START DATABASE` on
Community) is refused by `unplanned_refusal`. The guard does not depend on the server's
file settings (docs/security.md): it holds where the server would allow files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

HINT = "(--write allows it)"
ALLOWLIST_FILE = "cypher_allowlist.toml"
# Errors EXPLAIN gives for an administration command it will not plan on this database.
ADMIN_ERRORS = frozenset({
    "Neo.ClientError.Statement.UnsupportedAdministrationCommand",
    "Neo.ClientError.Statement.NotSystemDatabaseError",
})  # fmt: skip
# Keywords that open an administration command (Cypher manual, "Administration").
ADMIN_VERBS = frozenset({
    "SHOW", "TERMINATE", "ALTER", "GRANT", "DENY", "REVOKE", "START", "STOP", "ENABLE",
    "DEALLOCATE", "REALLOCATE", "DRYRUN", "RENAME",
})  # fmt: skip
# CREATE or DROP followed by one of these is an administration command, not a write.
ADMIN_OBJECTS = frozenset({"USER", "ROLE", "DATABASE", "COMPOSITE", "ALIAS", "OR"})
# What SHOW and TERMINATE take: seen anywhere (`SHOW ... YIELD ... TERMINATE ...`).
COMMAND_NOUNS = frozenset({
    "TRANSACTION", "TRANSACTIONS", "SETTING", "SETTINGS", "PROCEDURE", "PROCEDURES",
    "FUNCTION", "FUNCTIONS", "INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS", "USER", "USERS",
    "ROLE", "ROLES", "DATABASE", "DATABASES", "DEFAULT", "HOME", "PRIVILEGE", "PRIVILEGES",
    "SERVER", "SERVERS", "ALIAS", "ALIASES", "CURRENT", "ALL", "BUILT", "EXECUTABLE",
    "POPULATED", "SUPPORTED", "RANGE", "TEXT", "POINT", "FULLTEXT", "VECTOR", "LOOKUP",
    "UNIQUE", "NODE", "RELATIONSHIP", "REL", "EXIST", "EXISTENCE", "KEY", "PROPERTY",
})  # fmt: skip
# Write operators, by the clause a user wrote; others are named from their CamelCase.
WRITE_CLAUSES = {
    "Create": "CREATE", "Merge": "MERGE", "Delete": "DELETE", "DetachDelete": "DETACH DELETE",
    "Foreach": "FOREACH", "LockingMerge": "MERGE",
}  # fmt: skip

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
      | (?P<string>'(?:[^'\\]|\\.)*(?:'|\Z)|"(?:[^"\\]|\\.)*(?:"|\Z))
      | (?P<quoted>`(?:[^`]|``)*(?:`|\Z))
      | (?P<param>\$(?:\w+|`(?:[^`]|``)*`))
      | (?P<number>\d[\w.]*)
      | (?P<name>[^\W\d]\w*)
      | (?P<symbol>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "name" (plain or backquoted identifier), "symbol", "string", "number", "param"
    text: str  # an identifier's name (backquotes removed), a symbol's character

    @property
    def word(self) -> str:
        """A plain keyword in upper case, "" for anything else."""
        return self.text.upper() if self.kind == "name" else ""


def tokens(text: str) -> list[Token]:
    """Cypher code as tokens: whitespace and comments dropped, a string literal one token."""
    found = []
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            continue
        if kind == "quoted":
            kind, value = "name", value[1:].removesuffix("`").replace("``", "`")
        found.append(Token(kind, value))
    return found


def _dotted(found: list[Token], at: int) -> tuple[str, int]:
    """The name `a.b.c` starting at `found[at]` (a name token), and the index after it."""
    parts, end = [found[at].text], at + 1
    while end + 1 < len(found) and found[end].text == "." and found[end + 1].kind == "name":
        parts.append(found[end + 1].text)
        end += 2
    return ".".join(parts), end


def calls(found: list[Token]) -> Iterator[tuple[str, str]]:
    """(`procedure` or `function`, name) for each call: a name after CALL (parentheses are
    optional there), or a dotted name followed by `(`. Undotted functions are Cypher's own."""
    at = 0
    while at < len(found):
        if found[at].kind != "name":
            at += 1
            continue
        after_call = at > 0 and found[at - 1].word == "CALL" and found[at - 1].kind == "name"
        name, end = _dotted(found, at)
        opens = end < len(found) and found[end].text == "("
        if after_call:
            yield "procedure", name
        elif "." in name and opens:
            yield "function", name
        at = end if "." in name else at + 1


@dataclass(frozen=True)
class Allowlist:
    """Procedures and namespaced functions a read-only query may call (names as the server
    spells them; compared without case, as the text may differ)."""

    procedures: frozenset[str]
    function_names: frozenset[str]
    function_families: tuple[str, ...]

    def allows(self, kind: str, name: str) -> bool:
        lowered = name.lower()
        if kind == "procedure":
            return lowered in self.procedures
        if "." not in name:
            return True
        return lowered in self.function_names or lowered.startswith(self.function_families)


@cache
def allowlist() -> Allowlist:
    """The allowlist declared in cypher_allowlist.toml."""
    text = resources.files("dealgraph.graph").joinpath(ALLOWLIST_FILE).read_text("utf-8")
    data = tomllib.loads(text)
    lower = lambda names: frozenset(n.lower() for n in names)  # noqa: E731
    return Allowlist(
        procedures=lower(data["procedures"]["names"]),
        function_names=lower(data["functions"]["names"]),
        function_families=tuple(f.lower() for f in data["functions"]["families"]),
    )


def _camel_words(name: str) -> str:
    """`ShowSettings` -> `SHOW SETTINGS`."""
    return " ".join(re.findall(r"[A-Z][a-z]*|[a-z]+|\d+", name)).upper()


def _operators(plan: dict) -> Iterator[tuple[str, str]]:
    """(operator name without `@database` or `(All)`, its Details) for every plan node."""
    stack = [plan]
    while stack:
        node = stack.pop()
        operator = node.get("operatorType", "")
        name = re.sub(r"\(.*\)$", "", operator.split("@")[0])
        yield name, str(node.get("args", {}).get("Details", ""))
        stack.extend(reversed(node.get("children", [])))


def _admin(command: str) -> str:
    return f"{command} is refused: it is an administration command, not a read of the graph {HINT}"


def _called(kind: str, name: str) -> str:
    return f"{kind} {name} is refused: it is not on the read allowlist of docs/security.md {HINT}"


def _plan_refusal(query: str, plan: dict, rules: Allowlist) -> str | None:
    for operator, details in _operators(plan):
        if operator == "LoadCSV":
            return f"LOAD CSV is refused: it reads a file or URL from the server {HINT}"
        if operator.startswith(("Show", "Terminate")) or operator.endswith("Command"):
            # An AdministrationCommand's plan has no details: its keywords name it.
            command = command_name(query) if operator == "AdministrationCommand" else None
            return _admin(command or _camel_words(operator))
        found = tokens(details)
        if "ProcedureCall" in operator:
            # Details: `name(args) :: (columns)`, the name in the server's own spelling.
            if not found or found[0].kind != "name":
                return f"a procedure call the plan does not name is refused {HINT}"
            procedure, end = _dotted(found, 0)
            if not rules.allows("procedure", procedure):
                return _called("procedure", procedure)
            found = found[end:]
        for _, name in calls(found):
            if not rules.allows("function", name):
                return _called("function", name)
    return None


def command_name(query: str) -> str | None:
    """`CREATE USER`, `SHOW SETTINGS`, `TERMINATE TRANSACTIONS`: the administration command
    the text holds, or None. Looks at the opening keywords and at SHOW/TERMINATE anywhere."""
    words = [t.word for t in tokens(query)] + [""]

    def named(at: int) -> str:  # the keyword at `at` and the command nouns after it
        end = at + 1
        while end < at + 4 and words[end] in COMMAND_NOUNS | ADMIN_OBJECTS:
            end += 1
        return " ".join(words[at:end])

    first, second = words[0], words[1] if len(words) > 1 else ""
    if first in ADMIN_VERBS or (first in ("CREATE", "DROP") and second in ADMIN_OBJECTS):
        return named(0)
    for at, word in enumerate(words[:-1]):
        if word in ("SHOW", "TERMINATE") and words[at + 1] in COMMAND_NOUNS:
            return named(at)
    return None


def _text_refusal(query: str, rules: Allowlist) -> str | None:
    found = tokens(query)
    words = [t.word for t in found]
    if any(a == "LOAD" and b == "CSV" for a, b in zip(words, words[1:], strict=False)):
        return f"LOAD CSV is refused: it reads a file or URL from the server {HINT}"
    command = command_name(query)
    if command:
        return _admin(command)
    for kind, name in calls(found):
        if not rules.allows(kind, name):
            return _called(kind, name)
    return None


def _write_clause(plan: dict) -> str:
    for operator, _ in _operators(plan):
        if operator in WRITE_CLAUSES:
            return WRITE_CLAUSES[operator]
        if operator.startswith(("Set", "Remove", "Create", "Drop", "Delete")):
            return _camel_words(operator)
    return "a write"


def refusal(query: str, plan: dict | None, query_type: str | None) -> str | None:
    """Why `query` is not a pure read of the graph (one line), or None if it is.

    `plan` and `query_type` are EXPLAIN's (`ResultSummary.plan`, `.query_type`).
    """
    rules = allowlist()
    if plan is None:
        return f"the server gave no plan for this query, so it is refused {HINT}"
    reason = _plan_refusal(query, plan, rules) or _text_refusal(query, rules)
    if reason:
        return reason
    if query_type != "r":
        clause = _write_clause(plan)
        return (f"this query can write ({clause}; query type {query_type!r}), so it was not "
                f"run {HINT}")  # fmt: skip
    return None


def unplanned_refusal(query: str, code: str | None) -> str | None:
    """The refusal for a query EXPLAIN rejected with `code`, if it is an administration
    command (EXPLAIN plans no `GRANT` or `START DATABASE` on a Community server)."""
    if code not in ADMIN_ERRORS:
        return None
    return _admin(command_name(query) or "this administration command")
