"""The catalogue: reading sources into entities, the store, API keys, ingestion and erasure."""
