// name: loops-through
// answers: Circular flows of 2 to 6 entities through one entity, starting there: the money-flow loops `dealgraph loops` finds, seen from that entity. Deals in force today; a loop's amount is its smallest hop (null when a hop's amount is undisclosed).
// param: entity - the entity id, e.g. openai
CALL () {
  MATCH (:Entity)-[n]->(:Entity) WHERE n.supersedes IS NOT NULL AND n.status <> 'rumored'
  RETURN collect(n.supersedes) AS replaced
}
MATCH path = (start:Entity {id: $entity})-[deals*2..6]->(start)
WHERE all(d IN deals WHERE d.deal_id IS NOT NULL AND NOT d.status IN ['cancelled', 'rumored'] AND NOT d.consideration IN ['stock', 'in_kind']
                           AND NOT d.deal_id IN replaced)
WITH DISTINCT replaced, [n IN nodes(path) | n.id] AS ids
WHERE all(i IN range(1, size(ids) - 2) WHERE NOT ids[i] IN ids[0..i])
UNWIND range(0, size(ids) - 2) AS i
MATCH (:Entity {id: ids[i]})-[d]->(:Entity {id: ids[i + 1]})
WHERE d.deal_id IS NOT NULL AND NOT d.status IN ['cancelled', 'rumored'] AND NOT d.consideration IN ['stock', 'in_kind'] AND NOT d.deal_id IN replaced
WITH ids, i, d ORDER BY d.deal_id
WITH ids, i, sum(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END) AS hop,
     count(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END) AS known, collect(d.deal_id) AS hop_deals
ORDER BY i
WITH ids, sum(CASE WHEN known = 0 THEN 1 ELSE 0 END) AS unknown_hops, min(hop) AS smallest,
     collect(hop_deals) AS hops
RETURN ids[0..size(ids) - 1] AS entities, size(ids) - 1 AS length,
       CASE WHEN unknown_hops > 0 THEN null ELSE smallest END AS amount_usd,
       reduce(acc = [], h IN hops | acc + h) AS deal_ids
ORDER BY amount_usd DESC, entities
