"""khabar's search page and JSON API (``khabar serve``): see :mod:`pipelines.web.app`."""

from pipelines.web.app import create_app

__all__ = ["create_app"]
