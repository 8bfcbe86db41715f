"""Request fields in the bureau's words: "中文 — English gloss" (DOMAIN §9).

api/http/openapi.py gives every property of every request body (and of the
models inside it) its description from here, unless the model itself describes
it. A key is a field name, or `Model.field` where one name means different
things in different models; query and path parameters are `param.<name>`.
This module holds the words every context shares; each context contributes its
own lines (`register`) before the document is built. tests/api/test_openapi_document.py
fails on a body field without one: to add a field to a request, add its line
to its context's glossary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

GLOSSARY: Final[dict[str, str]] = {
    # -- every command ---------------------------------------------------------
    "reason": "理由 — reason for the decision, recorded in the audit trail (全过程留痕); multi-line",
    # -- query and path parameters of the shared routes and lists -----------------
    "param.limit": "每页条数 — page size",
    "param.version": "版本 — the case as it stood at this version",
    "param.case_id": "案件标识 — the case's id (UUID), as in `Location`",
    "param.consistent_after": "一致性位置 — a command's `consistency_token` (`<log>:<position>`, e.g. `<context>:1234`; a bare `position` is on this route's log): wait (up to 5 s) until the read models following that log have caught up to it, else 503",
    "consistency_token": "一致性令牌 — `<log>:<position>`: this change's place in its context's event log, to pass as `consistent_after` (or `X-Consistent-After`) to read your write",
}

_LINES: dict[str, str] = dict(GLOSSARY)


def register(lines: Mapping[str, str]) -> None:
    """A context's lines; idempotent. One key glossed two ways is a mistake:
    qualify it as `Model.field` instead."""
    for key, text in lines.items():
        if _LINES.get(key, text) != text:
            raise ValueError(f"the glossary already describes {key} otherwise")
    _LINES.update(lines)


def gloss(model: str | None, field: str) -> str | None:
    """The description of `field` in `model`: the model's own entry first."""
    if model is not None and f"{model}.{field}" in _LINES:
        return _LINES[f"{model}.{field}"]
    return _LINES.get(field)
