// name: customer-concentration
// answers: How much each entity depends on its customers: inflows of customer kinds (purchase, cloud contract, leaseback, backstop, revenue share) by paying counterparty, with the Herfindahl-Hirschman index and the top customer's share, as `dealgraph concentration --by customers` computes them. Deals in force today with a known amount.
// param: min_total = 0 - leave out entities whose customer total is below this (USD)
CALL () {
  MATCH (:Entity)-[n]->(:Entity) WHERE n.supersedes IS NOT NULL AND n.status <> 'rumored'
  RETURN collect(n.supersedes) AS replaced
}
MATCH (c:Entity)-[d:PURCHASE|CLOUD_CONTRACT|LEASEBACK|BACKSTOP|REVENUE_SHARE]->(e:Entity)
WHERE NOT d.status IN ['cancelled', 'rumored'] AND NOT d.consideration IN ['stock', 'in_kind'] AND NOT d.deal_id IN replaced
  AND CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END IS NOT NULL
WITH e, c, sum(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END) AS amount
ORDER BY amount DESC, c.id
WITH e, collect({customer: c.id, amount: amount}) AS parts, sum(amount) AS total
WHERE total > 0 AND total >= $min_total
RETURN e.id AS entity, e.name AS name, total AS total_usd,
       reduce(h = 0.0, p IN parts | h + (p.amount / total) ^ 2) AS hhi,
       parts[0].customer AS top_customer, parts[0].amount / total AS top_share,
       size(parts) AS customers
ORDER BY hhi DESC, total_usd DESC, entity
