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
# One per deal type: deal ids are unique within a type; a deal that changes type is deleted
# from its old type before it is merged into the new one (see `neo4j_store._removals`).
DEAL_CONSTRAINT = (
    "CREATE CONSTRAINT deal_{kind} IF NOT EXISTS FOR ()-[d:{type}]-() REQUIRE d.deal_id IS UNIQUE"
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
WITH e, r, [k IN keys(e) WHERE NOT k IN keys(r.props) AND NOT k STARTS WITH $findings] AS gone,
     [l IN labels(e) WHERE l IN $kind_labels AND l <> r.label] AS old_labels
FOREACH (k IN gone | SET e[k] = null)
SET e += r.props
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
MERGE (a)-[d:{deal_type} {{deal_id: r.deal_id}}]->(b)
SET d = r.props
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
SET f = r.props
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
