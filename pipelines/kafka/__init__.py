"""Kafka: clients, topics, message contracts and envelopes, the dead-letter queue and its replay."""
