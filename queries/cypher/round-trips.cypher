// name: round-trips
// answers: Vendor-financing round trips: A funds B (equity, warrant, debt or backstop) and B pays A back (purchase, cloud contract or leaseback). Deals in force today; amounts add up the known values.
CALL () {
  MATCH (:Entity)-[n]->(:Entity) WHERE n.supersedes IS NOT NULL AND n.status <> 'rumored'
  RETURN collect(n.supersedes) AS replaced
}
MATCH (a:Entity)-[f:EQUITY|WARRANT|DEBT|BACKSTOP]->(b:Entity)-[p:PURCHASE|CLOUD_CONTRACT|LEASEBACK]->(a)
WHERE NOT f.status IN ['cancelled', 'rumored'] AND NOT f.consideration IN ['stock', 'in_kind'] AND NOT f.deal_id IN replaced
  AND NOT p.status IN ['cancelled', 'rumored'] AND NOT p.consideration IN ['stock', 'in_kind'] AND NOT p.deal_id IN replaced
WITH a, b, f, p ORDER BY f.deal_id, p.deal_id
WITH a, b, collect(DISTINCT f) AS funding, collect(DISTINCT p) AS payments
RETURN a.id AS funder, a.name AS funder_name, b.id AS recipient, b.name AS recipient_name,
       reduce(s = 0.0, d IN funding | s + coalesce(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END, 0.0)) AS funded_usd,
       reduce(s = 0.0, d IN payments | s + coalesce(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END, 0.0)) AS paid_back_usd,
       [d IN funding | d.deal_id] AS funding_deal_ids,
       [d IN payments | d.deal_id] AS payment_deal_ids
ORDER BY funder, recipient
