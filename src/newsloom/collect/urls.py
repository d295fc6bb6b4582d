"""Article URLs: normalised and filtered with courlan, so that one article under several tracking parameters is one
URL, and tag, category, login and file links are never fetched."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from courlan import is_external, normalize_url
from courlan.filters import domain_filter, extension_filter, is_navigation_page, is_not_crawlable, type_filter


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def same_site(url: str, reference: str) -> bool:
    """Whether ``url`` belongs to the site of ``reference`` (subdomains of one registered domain count as one
    site). courlan's domain check refuses IP hosts, so those are compared as host and port."""
    a, b = urlsplit(url), urlsplit(reference)
    if _is_ip(a.hostname or "") or _is_ip(b.hostname or ""):
        return a.netloc.lower() == b.netloc.lower()
    return not is_external(url, reference, ignore_suffix=False)


def article_url(url: str, reference: str) -> tuple[str | None, str | None]:
    """(normalised URL, None) for a URL worth fetching as an article of the site of ``reference``, else
    (None, why): 'not-http', 'other-site', 'not-article' (navigation, login, files and other non-article paths)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None, "not-http"
    # strict: drops fragments and every query parameter that is not known to select content (utm_*, fbclid, ref...)
    normalised = normalize_url(url.strip(), strict=True)
    if not same_site(normalised, reference):
        return None, "other-site"
    host = urlsplit(normalised).hostname or ""
    if not _is_ip(host) and not domain_filter(host):
        return None, "not-article"
    if (not extension_filter(normalised) or not type_filter(normalised, strict=True)
            or is_navigation_page(normalised) or is_not_crawlable(normalised)):
        return None, "not-article"
    return normalised, None
