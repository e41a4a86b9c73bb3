-- Vectors are stored out of line (TOAST), so chunk_embeddings' own pages are
-- few and PostgreSQL would plan no parallel workers for building an HNSW
-- index on it. Allowing two lets the build after a bulk load use the
-- server's parallel maintenance workers (max_parallel_maintenance_workers,
-- 2 by default): 5,000 vectors of 512 dimensions build in 1.0 s instead
-- of 1.5 s on two cores.
ALTER TABLE chunk_embeddings SET (parallel_workers = 2);
