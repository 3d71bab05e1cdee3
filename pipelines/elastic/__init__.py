"""Elasticsearch: the client, the index template and the name-alias synonyms it installs."""
