"""What to collect: URLs given on the command line, or a TOML file listing sources with settings of their own.

A sources file::

    [defaults]                  # optional: for every source below
    delay_s = 5

    [[source]]
    url = "https://www.example-news.com/"   # a site: its feeds and news sitemaps are found
    name = "Example News"                    # the outlet (else the feed's title or the page's)

    [[source]]
    url = "https://www.example.org/rss/world.xml"
    kind = "feed"                            # site | feed | sitemap (default: guessed from what it serves)
    max_per_source = 50
    since = "2025-01-01"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..dates import iso_date
from ..errors import ConfigError

KINDS = ("site", "feed", "sitemap", "auto")


@dataclass(frozen=True)
class Source:
    url: str  # as given; the key of its state in the store
    kind: str = "auto"  # auto: a site when the URL is a home page, else whatever the first answer is
    name: str | None = None
    delay_s: float | None = None  # at least this between requests to its host (with the config's and Crawl-delay)
    max_per_source: int | None = None
    since: str | None = None  # ISO date: listed articles published before it are skipped

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def make_source(url: str, **settings) -> Source:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"source {url!r} is not an http(s) URL or a .toml file")
    kind = settings.pop("kind", None) or ("site" if parts.path in ("", "/") and not parts.query else "auto")
    if kind not in KINDS:
        raise ConfigError(f"source {url!r}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    since = settings.get("since")
    if since is not None:
        settings["since"] = iso_date(str(since))
        if settings["since"] is None:
            raise ConfigError(f"source {url!r}: since {since!r} is not a date")
    return Source(url=url, kind=kind, **settings)


def load_sources(args: list[str], since: str | None = None, max_per_source: int | None = None) -> list[Source]:
    """Sources from URLs and TOML files; ``since`` and ``max_per_source`` (command-line options) apply to those
    that do not set their own."""
    sources = []
    for arg in args:
        if arg.lower().endswith(".toml"):
            sources.extend(_from_toml(Path(arg)))
        else:
            sources.append(make_source(arg))
    if since and iso_date(since) is None:
        raise ConfigError(f"--since {since!r} is not a date (YYYY-MM-DD)")
    defaults = {"since": iso_date(since) if since else None, "max_per_source": max_per_source}
    sources = [replace(s, **{k: v for k, v in defaults.items() if v is not None and getattr(s, k) is None})
               for s in sources]
    unique = {}
    for source in sources:
        unique.setdefault(source.url, source)
    return list(unique.values())


def _from_toml(path: Path) -> list[Source]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc}") from exc
    known = {f.name for f in fields(Source)}
    unknown = set(data) - {"defaults", "source"}
    if unknown:
        raise ConfigError(f"{path}: unknown sections {sorted(unknown)}; expected [defaults] and [[source]]")
    defaults = data.get("defaults", {})
    entries = data.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[source]] entries")
    sources = []
    for number, entry in enumerate(entries, start=1):
        settings = {**defaults, **entry}
        bad = set(settings) - known
        if bad:
            raise ConfigError(f"{path}: source {number}: unknown keys {sorted(bad)}; known: {sorted(known)}")
        if "url" not in settings:
            raise ConfigError(f"{path}: source {number} has no url")
        sources.append(make_source(str(settings.pop("url")), **settings))
    return sources
