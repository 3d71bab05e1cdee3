"""Ingest: discover article URLs, scrape (fetch + extract) them, publish to Kafka; one run per source."""
