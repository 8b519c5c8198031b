// name: exposure
// answers: An entity's exposure: its deals in force today, money in and out, by kind and counterparty, largest first.
// param: entity - the entity id, e.g. coreweave
CALL () {
  MATCH (:Entity)-[n]->(:Entity) WHERE n.supersedes IS NOT NULL AND n.status <> 'rumored'
  RETURN collect(n.supersedes) AS replaced
}
MATCH (e:Entity {id: $entity})-[d]-(other:Entity)
WHERE d.deal_id IS NOT NULL AND NOT d.status IN ['cancelled', 'rumored'] AND NOT d.consideration IN ['stock', 'in_kind'] AND NOT d.deal_id IN replaced
WITH e, d, other ORDER BY d.deal_id
RETURN CASE WHEN startNode(d) = e THEN 'out' ELSE 'in' END AS direction,
       toLower(type(d)) AS kind, other.id AS counterparty, other.name AS counterparty_name,
       sum(coalesce(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END, 0.0)) AS amount_usd,
       count(d) AS deals, collect(d.deal_id) AS deal_ids
ORDER BY direction, amount_usd DESC, kind, counterparty
