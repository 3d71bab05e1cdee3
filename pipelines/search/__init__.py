"""Search: the query over the index (:mod:`.query`: :class:`~.query.SearchQuery`, the request, the
results), related stories (:mod:`.related`) and spelling suggestions (:mod:`.suggest`)."""
