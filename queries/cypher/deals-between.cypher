// name: deals-between
// answers: Every deal row dated within a period (a deal dated by month counts from the month's first day), in date order: dates are Neo4j dates, so the comparison is by calendar, not by text.
// param: since = "2025-01-01" - the first day (a month, 2025-01, means its first day)
// param: until = "2025-12-31" - the last day
MATCH (a:Entity)-[d]->(b:Entity)
WHERE d.deal_id IS NOT NULL AND date($since) <= d.date <= date($until)
RETURN d.deal_id AS deal_id, d.date_text AS date, toLower(type(d)) AS kind, a.id AS from_entity,
       b.id AS to_entity, d.amount_usd AS amount_usd, d.status AS status
ORDER BY d.date, d.deal_id
