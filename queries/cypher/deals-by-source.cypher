// name: deals-by-source
// answers: Where the data comes from: every deal row (whatever its status) grouped by the host of its source URL, most deals first.
CALL () {
  MATCH (:Entity)-[d]->(:Entity) WHERE d.deal_id IS NOT NULL
  RETURN d ORDER BY d.deal_id
}
WITH d, CASE WHEN d.source_url IS NULL THEN '(no source)'
             ELSE toLower(split(split(d.source_url, '://')[-1], '/')[0]) END AS source
RETURN source, count(d) AS deals,
       sum(coalesce(CASE WHEN d.consideration IN ['stock', 'in_kind'] THEN 0.0 WHEN d.consideration = 'mixed' THEN d.cash_part_usd ELSE coalesce(d.amount_usd, d.amount_low_usd) END, 0.0)) AS amount_usd,
       collect(d.deal_id) AS deal_ids
ORDER BY deals DESC, source
