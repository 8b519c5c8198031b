"""Every Cypher statement `Neo4jStore` runs, in one place, all with parameters.

The only text spliced into a statement is a relationship type or constraint name read from
schema.toml (declared data, never user input): schema commands take no parameters, and a
MERGE needs a static type to use its index.
"""

from __future__ import annotations

from dealgraph.graph.neo4j_rows import KIND_OF_TYPE

CONSTRAINTS = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT loop_id IF NOT EXISTS FOR (l:Loop) REQUIRE l.id IS UNIQUE",
    "CREATE CONSTRAINT financials_key IF NOT EXISTS "
    "FOR (f:Financials) REQUIRE (f.entity, f.fiscal_year) IS UNIQUE",
)
# One per deal type: deal ids are unique within a type and load (`load_id`, the load that
# wrote the deal: see STAGED_CONSTRAINTS); a deal that changes type is deleted
# from its old type before it is merged into the new one (see `neo4j_store._removals`).
DEAL_CONSTRAINT = (
    "CREATE CONSTRAINT deal_{kind}_load IF NOT EXISTS FOR ()-[d:{type}]-() "
    "REQUIRE (d.deal_id, d.load_id) IS UNIQUE"
)

# Range indexes per deal type on what queries filter and sort deals by.
DEAL_INDEXES = tuple(
    f"CREATE INDEX deal_{{kind}}_{prop} IF NOT EXISTS FOR ()-[d:{{type}}]-() ON (d.{prop})"
    for prop in ("date", "amount_usd")
)

EXISTING_DEALS = """
MATCH (a:Entity)-[d]->(b:Entity) WHERE d.deal_id IS NOT NULL AND type(d) IN $types
RETURN d.deal_id AS deal_id, type(d) AS type, a.id AS source, b.id AS target,
       elementId(d) AS element
"""
DELETE_DEALS = "UNWIND $rows AS element MATCH ()-[d]->() WHERE elementId(d) = element DELETE d"
DELETE_ENTITIES = "UNWIND $rows AS id MATCH (e:Entity {id: id}) DETACH DELETE e"
DELETE_FINANCIALS = """
UNWIND $rows AS r MATCH (f:Financials {entity: r.entity, fiscal_year: r.fiscal_year})
DETACH DELETE f
"""
MERGE_ENTITIES = """
UNWIND $rows AS r
MERGE (e:Entity {id: r.id})
WITH e, r, [k IN keys(e) WHERE NOT k IN keys(r.props) AND NOT k STARTS WITH $findings
                               AND k <> 'load_id'] AS gone,
     [l IN labels(e) WHERE l IN $kind_labels AND l <> r.label] AS old_labels
FOREACH (k IN gone | SET e[k] = null)
SET e += r.props, e.load_id = $load
REMOVE e:$(old_labels)
SET e:$(r.label)
"""
# One statement per deal type, the type spliced in from schema.toml: a MERGE on a dynamic
# type (`[d:$(r.type)]`) cannot use the per-type uniqueness index and grows quadratic within
# a transaction (6,000 deals: 11 s against 1.8 s, measured on 5.26.19).
MERGE_DEALS = {
    deal_type: f"""
UNWIND $rows AS r
MATCH (a:Entity {{id: r.source}}), (b:Entity {{id: r.target}})
MERGE (a)-[d:{deal_type} {{deal_id: r.deal_id, load_id: $load}}]->(b)
SET d = r.props, d.load_id = $load
"""
    for deal_type in KIND_OF_TYPE
}
CLEAR_FINDINGS = """
MATCH (e:Entity) WITH e, [k IN keys(e) WHERE k STARTS WITH $prefix] AS old WHERE size(old) > 0
FOREACH (k IN old | SET e[k] = null)
"""
WRITE_LOOPS = """
UNWIND $rows AS r
MERGE (l:Loop {id: r.id})
SET l = r.props
WITH l, r
UNWIND range(0, size(r.entities) - 1) AS position
MATCH (e:Entity {id: r.entities[position]})
MERGE (l)-[:THROUGH {position: position}]->(e)
"""
WRITE_FIGURES = "UNWIND $rows AS r MATCH (e:Entity {id: r.id}) SET e += r.props"
MERGE_FINANCIALS = """
UNWIND $rows AS r
MATCH (e:Entity {id: r.entity})
MERGE (f:Financials {entity: r.entity, fiscal_year: r.fiscal_year})
SET f = r.props, f.load_id = $load
MERGE (e)-[:REPORTED]->(f)
"""
READ_ENTITIES = "MATCH (e:Entity) WITH e ORDER BY e.id RETURN collect(properties(e)) AS rows"
READ_FINANCIALS = """
MATCH (f:Financials) WITH f ORDER BY f.entity, f.fiscal_year RETURN collect(properties(f)) AS rows
"""
READ_DEALS = """
MATCH (a:Entity)-[d]->(b:Entity) WHERE d.deal_id IS NOT NULL AND type(d) IN $types
WITH a, d, b ORDER BY d.deal_id
RETURN collect(d {.*, type: type(d), from_entity: a.id, to_entity: b.id}) AS rows
"""

# Batched loads (see neo4j_load_switch): a load writes under the staging labels, invisible
# to every reader that starts from :Entity or :Financials, then one transaction swaps the
# labels. Staged nodes carry their load's id, so two loads' rows never meet in an index.
STAGED_CONSTRAINTS = (
    "CREATE CONSTRAINT staged_entity_id IF NOT EXISTS "
    "FOR (e:StagedEntity) REQUIRE (e.id, e.load_id) IS UNIQUE",
    "CREATE CONSTRAINT staged_financials_key IF NOT EXISTS "
    "FOR (f:StagedFinancials) REQUIRE (f.entity, f.fiscal_year, f.load_id) IS UNIQUE",
)
# Before batched loads a deal id was unique within its type alone; now it is unique within
# its type and load, so a staged deal may share its id with the current one it replaces.
OLD_DEAL_CONSTRAINT = "DROP CONSTRAINT deal_{kind} IF EXISTS"
STAGE_ENTITIES = """
UNWIND $rows AS r
MERGE (e:StagedEntity {id: r.id, load_id: $load})
SET e = r.props, e.load_id = $load, e.staged_label = r.label
"""
STAGE_DEALS = {
    deal_type: f"""
UNWIND $rows AS r
MATCH (a:StagedEntity {{id: r.source, load_id: $load}}),
      (b:StagedEntity {{id: r.target, load_id: $load}})
MERGE (a)-[d:{deal_type} {{deal_id: r.deal_id, load_id: $load}}]->(b)
SET d = r.props, d.load_id = $load
"""
    for deal_type in KIND_OF_TYPE
}
STAGE_FINANCIALS = """
UNWIND $rows AS r
MATCH (e:StagedEntity {id: r.entity, load_id: $load})
MERGE (f:StagedFinancials {entity: r.entity, fiscal_year: r.fiscal_year, load_id: $load})
SET f = r.props, f.load_id = $load
MERGE (e)-[:REPORTED]->(f)
"""
STAGED_COUNTS = """
CALL () { MATCH (e:StagedEntity {load_id: $load}) RETURN count(e) AS entities }
CALL () { MATCH (f:StagedFinancials {load_id: $load}) RETURN count(f) AS financials }
RETURN entities, financials
"""
# The switch: one transaction whose size grows with the entities and figures, not the deals
# (deals hang between entities, so they appear and vanish with them). Findings describe the
# data they were computed on, so the loops go too; the entities' figures go with the nodes.
SWITCH = (
    "MATCH (l:Loop) DETACH DELETE l",
    "MATCH (e:Entity) REMOVE e:Entity, e:$($kind_labels) SET e:RetiredEntity",
    "MATCH (f:Financials) REMOVE f:Financials SET f:RetiredFinancials",
    "MATCH (e:StagedEntity {load_id: $load}) SET e:Entity, e:$(e.staged_label) "
    "REMOVE e:StagedEntity, e.staged_label",
    "MATCH (f:StagedFinancials {load_id: $load}) REMOVE f:StagedFinancials SET f:Financials",
    "MERGE (m:DealgraphLoad {key: 'current'}) SET m.load_id = $load, m.loaded_at = datetime(), "
    "m.entities = $entities, m.deals = $deals, m.financials = $financials",
)
# The current-load marker: which load readers see, and how many rows it has, so a reader can
# tell a whole load from a read that ran across a switch (see Neo4jStore._consistent_read).
CURRENT_LOAD = """
OPTIONAL MATCH (m:DealgraphLoad {key: 'current'})
RETURN m {.load_id, .entities, .deals, .financials} AS marker
"""
# The single-transaction load keeps the marker: created (and the stored rows stamped with its
# id) on a database loaded before there were markers, and its counts set at the end.
SET_CURRENT_LOAD = "MERGE (m:DealgraphLoad {key: 'current'}) SET m.load_id = $load"
STAMP_LOAD = (
    "MATCH (e:Entity) SET e.load_id = $load",
    "MATCH (:Entity)-[d]->(:Entity) WHERE d.deal_id IS NOT NULL SET d.load_id = $load",
    "MATCH (f:Financials) SET f.load_id = $load",
)
COUNT_BY_LOAD = """
CALL () { MATCH (e:Entity) WITH e.load_id AS load, count(*) AS n
          RETURN collect([load, n]) AS entities }
CALL () { MATCH (:Entity)-[d]->(:Entity) WHERE d.deal_id IS NOT NULL
          WITH d.load_id AS load, count(*) AS n RETURN collect([load, n]) AS deals }
CALL () { MATCH (f:Financials) WITH f.load_id AS load, count(*) AS n
          RETURN collect([load, n]) AS financials }
CALL () { MATCH (l:Loop) RETURN count(l) AS loops }
RETURN entities, deals, financials, loops
"""
SET_LOAD_COUNTS = """
CALL () { MATCH (e:Entity) RETURN count(e) AS entities }
CALL () { MATCH (:Entity)-[d]->(:Entity) WHERE d.deal_id IS NOT NULL RETURN count(d) AS deals }
CALL () { MATCH (f:Financials) RETURN count(f) AS financials }
MATCH (m:DealgraphLoad {key: 'current'})
SET m.entities = entities, m.deals = deals, m.financials = financials
"""
# Leftovers: a killed load's staging, the previous load's retired nodes. Each statement runs
# as an auto-commit query that commits every $size rows, deals first: a node's deletion
# then carries few relationships, however many deals a hub had.
LEFTOVER_LABELS = ("StagedEntity", "RetiredEntity", "StagedFinancials", "RetiredFinancials")
DELETE_LEFTOVERS = tuple(
    statement
    for label in LEFTOVER_LABELS
    for statement in (
        f"MATCH (:{label})-[d]->() CALL (d) {{ DELETE d }} IN TRANSACTIONS OF $size ROWS",
        f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF $size ROWS",
    )
)
COUNT_LEFTOVERS = "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN count(n) AS n"
