// name: loop-findings
// answers: The loops the last `dealgraph analyze --neo4j` wrote back, with their severity and the entities in order: (:Loop)-[:THROUGH {position}]->(:Entity).
// param: min_severity = "low" - only loops at or above this severity (low, medium, high)
WITH {low: 0, medium: 1, high: 2} AS rank
MATCH (l:Loop)-[t:THROUGH]->(e:Entity)
WHERE rank[l.severity] >= rank[$min_severity]
WITH l, t, e ORDER BY l.id, t.position
WITH l, collect(e.id) AS entities, collect(e.name) AS names
RETURN l.id AS id, l.severity AS severity, l.amount_usd AS amount_usd, l.length AS length,
       entities, names, l.deal_ids AS deal_ids
ORDER BY amount_usd DESC, id
