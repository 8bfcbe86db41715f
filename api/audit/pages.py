"""The ledger's public page: each log's latest signed checkpoint, the key to
verify them with, and how (DESIGN §5). The same checkpoints and key as the
JSON routes (`latest_checkpoints`, `key_document` in api/audit/proofs.py):
only checkpoints whose notes verify with the ledger's key are shown."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.audit.proofs import key_document, latest_checkpoints
from api.audit.reads import PublicReader, b64
from api.http.errors import ProblemError
from api.http.site import render

pages = APIRouter(prefix="/ledger")


@pages.get("", response_class=HTMLResponse)
def checkpoints(request: Request, reader: PublicReader) -> HTMLResponse:
    try:
        key = key_document(request)
    except ProblemError as exc:
        if exc.status != 503:
            raise
        return render(request, "audit/ledger.html", status=503, key=None, items=[])
    items = [
        {
            "log": cp.log,
            "size": cp.size,
            "root": b64(cp.root),
            "note": cp.note,
            "signed_at": cp.signed_at,
            "verifier_key": key["verifier_keys"].get(cp.log, ""),
        }
        for cp in latest_checkpoints(request, reader.conn)
    ]
    return render(request, "audit/ledger.html", key=key, items=items)
