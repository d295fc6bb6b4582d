"""Publication dates: parse what inputs give us into ISO 8601, or leave them unknown."""

from __future__ import annotations

from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

# A clock time with its zone or half of the day ("4:30 a.m.", "21:05 GMT"): how live blogs and comment threads
# stamp their entries (a pattern, to be combined with others).
CLOCK_TIME = r"\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\b|GMT|EDT|EST|ET\b|BST|UTC)"
# Words that say when, not what.
WHEN_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight morning afternoon "
    "evening night week weekend day days month year earlier later late early jan feb mar apr jun jul aug sep sept "
    "oct nov dec january february march april may june july august september october november december".split())


def iso_date(value: str | None) -> str | None:
    """ISO form of a date or datetime string (ISO 8601 or RFC 2822); None when it cannot be read."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if len(value) <= 10 and parsed.hour == parsed.minute == 0:
        return parsed.date().isoformat()
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.isoformat(timespec="seconds")


def to_day(value: str | None) -> date | None:
    """The calendar day of an ISO date/datetime string, for time distances."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
