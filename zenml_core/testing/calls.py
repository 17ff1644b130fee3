"""A call log for tests of caching: which steps' code ran.

It lives outside the user's project on purpose: a step that appended to a list of its own
module would reach that list, whose content is part of its cache key, so the log itself would
make every re-run miss the cache. Steps call ``calls.record(name)`` through the module.
"""

from __future__ import annotations

CALLS: list[object] = []


def record(what: object) -> None:
    CALLS.append(what)
