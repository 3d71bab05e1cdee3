"""Files khabar ships inside its package: the topic schemas, the index template and name aliases
(``schemas/``) and the Kibana saved objects (``infra/kibana/``).

The top-level folders stay the source of truth; ``schemas`` and ``kibana`` here are links to them,
so a checkout reads and regenerates the real files, and a wheel carries copies (setuptools follows
the links). Readers go through :func:`shipped` and never through the checkout's layout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(*parts: str) -> Path:
    """The shipped file ``parts`` (e.g. ``shipped("schemas", "index-template.json")``).

    A :class:`~pathlib.Path` rather than a Traversable: khabar is installed as files, never imported
    from a zip, and callers hand these paths to typer options and to the generators that rewrite them.
    """
    return Path(str(files(__name__).joinpath(*parts)))
