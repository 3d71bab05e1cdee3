"""Normalize stage: Arabic text (display and search forms) and URLs (canonical form, article id)."""

from pipelines.normalize.arabic import clean_display, normalize_text
from pipelines.normalize.urls import canonicalize_url, resolve_canonical

__all__ = ["canonicalize_url", "clean_display", "normalize_text", "resolve_canonical"]
