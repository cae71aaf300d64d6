-- Sample data for the sample Cube: 50 customers in four regions and 2,000 orders from January to
-- June 2024. Valid for DuckDB (the default, loaded by src/seed.ts) and PostgreSQL (docker-compose.yml).
CREATE TABLE IF NOT EXISTS customers AS
  SELECT i AS id, (ARRAY['north', 'south', 'east', 'west'])[1 + i % 4] AS region
  FROM generate_series(1, 50) AS t(i);

CREATE TABLE IF NOT EXISTS orders AS
  SELECT i AS id,
         1 + i % 50 AS customer_id,
         (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + i % 4] AS status,
         (10 + (i * 37) % 490)::DECIMAL(10, 2) AS amount,
         TIMESTAMP '2024-01-01 00:00:00' + i * INTERVAL '130 minutes' AS created_at
  FROM generate_series(0, 1999) AS t(i);
