"""Masking secrets before anything is shown: logs, error pages, start-up lines, printed settings."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


def redact_url(url: str) -> str:
    """``url`` with the password of its userinfo masked (``http://user:***@host:9200``).

    The user name stays (it says which account is used, and is not a secret). A string that is not
    a parseable URL is returned masked from its last ``@`` back to the scheme, never as it came.
    """
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
        userinfo, _, hostport = parts.netloc.rpartition("@")
    except ValueError:
        scheme, sep, rest = url.partition("://")
        return f"{scheme}{sep}{MASK}@{rest.rpartition('@')[2]}" if sep else MASK
    if not userinfo:
        return url
    user, has_password, _ = userinfo.partition(":")
    masked = f"{user}:{MASK}" if has_password else user
    return urlunsplit(parts._replace(netloc=f"{masked}@{hostport}"))
