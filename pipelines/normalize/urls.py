"""Canonical URLs: one spelling per article, because ``article_id`` is a hash of it.

``canonicalize_url`` rewrites a URL into one form:

- scheme and host lowercased; the host is IDNA-encoded (UTS #46, ASCII ``xn--`` form) so
  ``مثال.مصر`` and ``xn--mgbh0fb.xn--wgbh1c`` are one host; trailing dot, user info and the
  scheme's default port are dropped.
- path: dot segments resolved, repeated slashes collapsed, trailing slash removed (except the root
  ``/``): sites serve both forms and link to both.
- percent-encoding: **one form, fully encoded UTF-8 with uppercase hex** (RFC 3986 §6.2.2). Arabic
  path segments therefore always read ``/%D9%88%D8%B2%D9%8A%D8%B1``, whether the link was written
  raw (``/وزير``, as sites print it) or encoded in upper or lower case. Escapes of unreserved ASCII
  (``%41`` -> ``A``) are decoded; escapes of reserved characters (``%2F``) are kept, since decoding
  them changes the meaning. The ASCII form is what HTTP sends and what is safe as a Kafka key.
- query: tracking parameters dropped (``utm_*``, click ids, mailchimp, ``ref``, ``ocid``, ``at_*``...,
  see ``_TRACKING``); the real ones are kept, sorted, re-encoded the same way.
- fragment dropped: it never selects a different article.

courlan (installed with trafilatura) was checked: its ``normalize_url`` decodes punycode to Unicode
hosts and its tracker pattern drops any parameter containing ``source``, ``session`` or ``uid``
(real article parameters on some CMSs), so the rules here are explicit instead.

``resolve_canonical`` picks the URL that identifies the article a page shows: the page's declared
canonical link (``<link rel=canonical>``, else ``og:url``) when it has one that looks sane, else the
page URL with its AMP and mobile variants undone (``amp.``/``m.``/``mobile.`` hosts, ``/amp/``
segments, ``.amp`` suffixes, ``?amp`` parameters).
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import idna

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_EXACT = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "ref",
        "ref_src", "ref_url", "referrer", "ocid", "cmpid", "xtor", "smid", "sr_share", "spm",
        "share", "shared", "s_cid", "ito", "fb_action_ids", "fb_action_types", "fb_ref",
        "fb_source", "__twitter_impression", "mkt_tok", "vero_id", "oly_enc_id", "oly_anon_id",
        "rb_clickid", "wt_mc", "cvid", "guccounter",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_", "itm_", "ga_")
# Query parameters that only select the AMP rendering of a page.
_AMP_PARAMS = {"amp": None, "outputtype": "amp", "output": "amp", "format": "amp", "view": "amp"}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def is_tracking_param(name: str) -> bool:
    name = name.lower()
    return name in _TRACKING_EXACT or name.startswith(_TRACKING_PREFIXES)


def _normalize_escapes(part: str) -> str:
    """Decode escapes of unreserved ASCII, uppercase the others, encode raw non-ASCII as UTF-8."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    part = _ESCAPE.sub(fix, part)
    part = re.sub(r"%(?![0-9A-F]{2})", "%25", part)  # a lone % is data
    return quote(part, safe=_PATH_SAFE)


def _host(netloc_host: str) -> str:
    host = netloc_host.lower().rstrip(".")
    if not host or host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host.encode("idna").decode("ascii")


def _path(path: str) -> str:
    if not path:
        return "/"
    path = re.sub(r"/{2,}", "/", path)
    normalized = posixpath.normpath(path)
    if normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")
    if normalized == ".":
        normalized = "/"
    return _normalize_escapes(normalized)


def _query(query: str, *, drop: set[str] | None = None) -> str:
    pairs = [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if not is_tracking_param(k) and (drop is None or k.lower() not in drop)
    ]
    # sorted by name only: the values of a repeated parameter keep their order
    return urlencode(sorted(pairs, key=lambda kv: kv[0]), quote_via=quote, safe="-._~")


def canonicalize_url(url: str, *, base: str | None = None) -> str:
    """The one spelling of ``url`` (resolved against ``base`` if relative); see the module docstring."""
    url = url.strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _host(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    return urlunsplit((scheme, netloc, _path(parts.path), _query(parts.query), ""))


def _strip_variant_host(host: str) -> str:
    labels = host.split(".")
    if len(labels) > 2 and labels[0] in {"amp", "m", "mobile", "mob"}:
        return ".".join(labels[1:])
    return host


def _strip_amp_path(path: str) -> str:
    segments = [s for s in path.split("/") if s.lower() != "amp"]
    path = "/".join(segments) or "/"
    # /article.amp, /article.amp.html, /article/amp.html
    return re.sub(r"\.amp(?=\.html?$|$)", "", path, flags=re.IGNORECASE)


def deamp_url(url: str) -> str:
    """The page URL with AMP and mobile variants undone, canonicalized."""
    parts = urlsplit(canonicalize_url(url))
    drop = {
        k.lower()
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() in _AMP_PARAMS and (_AMP_PARAMS[k.lower()] in (None, v.lower()))
    }
    host = _strip_variant_host(parts.netloc)
    path = _strip_amp_path(parts.path)
    return canonicalize_url(urlunsplit((parts.scheme, host, path, _query(parts.query, drop=drop), "")))


def _sane_canonical(candidate: str, page: str) -> bool:
    """A declared canonical we trust: http(s), and not the home page declared by an article page."""
    c, p = urlsplit(candidate), urlsplit(page)
    if c.scheme not in ("http", "https") or not c.netloc:
        return False
    # A CMS that puts the site root in every page's rel=canonical would merge all its articles.
    return not (c.path in ("", "/") and not c.query and p.path not in ("", "/"))


def resolve_canonical(
    page_url: str,
    canonical_link: str | None = None,
    amp_link: str | None = None,
    *,
    og_url: str | None = None,
) -> str:
    """Canonical URL of the article shown at ``page_url``.

    ``canonical_link`` (``<link rel=canonical>``) wins, then ``og_url``; both are resolved against the
    page URL and ignored when not sane. Otherwise the page URL, de-AMPed. ``amp_link`` (the page's
    ``<link rel=amphtml>``) only tells that ``page_url`` is the non-AMP page already.
    """
    page = canonicalize_url(page_url)
    for declared in (canonical_link, og_url):
        if declared and declared.strip():
            candidate = canonicalize_url(declared, base=page_url)
            if _sane_canonical(candidate, page):
                return candidate
    if amp_link and canonicalize_url(amp_link, base=page_url) != page:
        return page
    return deamp_url(page)
