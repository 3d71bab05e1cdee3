"""Search: the query over the index, related stories and spelling suggestions."""
