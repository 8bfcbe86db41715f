"""The context registry: one line per bounded context (DESIGN §2).

Adding a context is a domain package, a projections package, an api package
with a `CONTEXT` descriptor (api/host/context.py), and its line here.
"""

from __future__ import annotations

from api.host.context import Context, load

REGISTERED = (
    "api.licensing:CONTEXT",
    "api.complaints:CONTEXT",
    "api.inspections:CONTEXT",
    "api.enforcement:CONTEXT",
    "api.audit:CONTEXT",
    "api.disclosure:CONTEXT",
    "api.credit:CONTEXT",
)


def registered() -> tuple[Context, ...]:
    return tuple(load(line) for line in REGISTERED)
