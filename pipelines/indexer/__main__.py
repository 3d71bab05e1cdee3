"""``python -m pipelines.indexer run|setup|status|reindex``: the same as ``khabar index ...``."""

import sys

from pipelines.cli import app

app(args=["index", *sys.argv[1:]], prog_name="python -m pipelines.indexer")
