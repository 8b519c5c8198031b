// name: top-counterparties
// answers: Whom an entity deals with most: money paid to and received from each counterparty (deals in force today, known amounts), largest total first.
// param: entity - the entity id, e.g. nvidia
// param: limit = 10 - how many counterparties
CALL () {
  MATCH (:Entity)-[n]->(:Entity) WHERE n.supersedes IS NOT NULL AND n.status <> 'rumored'
  RETURN collect(n.supersedes) AS replaced
}
MATCH (e:Entity {id: $entity})-[d]-(other:Entity)
WHERE d.deal_id IS NOT NULL AND NOT d.status IN ['cancelled', 'rumored'] AND NOT d.consideration IN ['stock', 'in_kind'] AND NOT d.deal_id IN replaced
WITH e, d, other, coalesce(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END, 0.0) AS value ORDER BY d.deal_id
WITH other,
     sum(CASE WHEN startNode(d) = e THEN value ELSE 0.0 END) AS paid_usd,
     sum(CASE WHEN endNode(d) = e THEN value ELSE 0.0 END) AS received_usd,
     collect(d.deal_id) AS deal_ids
RETURN other.id AS counterparty, other.name AS name, paid_usd, received_usd,
       paid_usd + received_usd AS total_usd, size(deal_ids) AS deals, deal_ids
ORDER BY total_usd DESC, counterparty
LIMIT toInteger($limit)
