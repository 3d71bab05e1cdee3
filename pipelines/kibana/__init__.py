"""Kibana for khabar's searchers: the saved objects (data view, saved searches, Lens charts, a
dashboard) and ``khabar kibana setup``, which imports them through Kibana's saved objects API.

- :mod:`pipelines.kibana.objects` builds the objects from readable Python and writes
  ``infra/kibana/khabar-saved-objects.ndjson`` (the committed file; a test keeps the two in step).
- :mod:`pipelines.kibana.checks` checks a file offline (it parses, references resolve) and against a
  live Elasticsearch mapping (every field an object names exists and can do what the object asks).
- :mod:`pipelines.kibana.importer` sends the file to ``POST [/s/<space>]/api/saved_objects/_import``.
"""

from __future__ import annotations
