"""The written notices and certificates over HTTP: each case's PDFs for its
staff and for the applicant (receipt number + query code), and the public
verification of a document's QR code (电子证照核验)."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.host.settings import Settings
from api.http.auth import CurrentPrincipal, require_readable
from api.http.errors import ProblemError
from api.http.openapi import CASE_READ, PUBLIC, problems
from api.http.views import JSON
from api.licensing.documents.check import check
from api.licensing.documents.issue import Issued, document_store, issue
from api.licensing.documents.pdf import register_font
from api.licensing.public_progress import Lookup, lookup
from api.licensing.reads import PublicReader, licensing
from domain.licensing.documents import CODE_LENGTH, DocumentKind
from domain.licensing.service import interview_unit
from domain.shared.errors import NotFoundError

router = APIRouter(tags=["licensing documents"])

# Without a CJK font the notices would print boxes: refuse to start instead.
register_font(Settings.from_env().pdf_font)

KindPath = Annotated[
    DocumentKind,
    Path(
        description="文书种类 — the kind of document: acceptance_notice 受理通知书, "
        "correction_notice 补正材料通知书, non_acceptance_decision 不予受理决定书, "
        "grant_decision 准予行政许可决定书, refusal_decision 不予行政许可决定书, "
        "certificate 许可证书, proof_of_service 送达回证"
    ),
]
CodePath = Annotated[
    str,
    Path(
        description="核验码 — the verification code printed under the document's QR code",
        min_length=CODE_LENGTH,
        max_length=CODE_LENGTH,
        pattern="^[0-9a-f]+$",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(description="a document's ETag you hold: 304 if it is still the same"),
]
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the document as PDF (A4, Chinese), the same bytes every time",
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
        },
        "headers": {
            "ETag": {
                "description": 'the PDF\'s SHA-256, quoted: "<64 hex>"',
                "schema": {"type": "string", "pattern": '^"[0-9a-f]{64}"$'},
            }
        },
    },
    304: {"description": "If-None-Match named this document's ETag"},
}


def _pdf(issued: Issued, if_none_match: str | None) -> Response:
    sha = issued.held.document.sha256
    headers = {
        "ETag": f'"{sha}"',
        # A person's own matter: kept by no shared cache.
        "Cache-Control": "private, no-cache",
        "Content-Disposition": "inline; filename*=UTF-8''"
        + quote(issued.held.document.name),
    }
    if if_none_match is not None and if_none_match.strip().strip('"') == sha:
        return Response(status_code=304, headers=headers)
    return Response(issued.content, media_type="application/pdf", headers=headers)


def _issue(request: Request, case_id: UUID, kind: DocumentKind) -> Issued:
    settings = request.app.state.settings
    return issue(
        licensing(request),
        document_store(request),
        case_id,
        kind,
        settings.public_url,
        request.state.request_id,
    )


@router.get(
    "/v1/licensing/applications/{case_id}/documents/{kind}",
    summary="A written notice or certificate of the application, as PDF",
    response_class=Response,
    responses={**PDF_RESPONSE, **problems(*CASE_READ)},
)
def staff_document(
    case_id: Annotated[UUID, Path(description="the application's id")],
    kind: KindPath,
    request: Request,
    principal: CurrentPrincipal,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Staff who may read the case; the first request renders, stores and
    records it (`DocumentIssued`, by `system:documents`)."""
    application = licensing(request).get_application(case_id)
    if not application.readable_by(principal.staff_no, frozenset(principal.roles)):
        raise NotFoundError(f"application {case_id} not found")
    require_readable(principal, (application.unit_code, interview_unit(application)))
    return _pdf(_issue(request, case_id, kind), if_none_match)


@router.get(
    "/public/v1/progress/documents/{kind}",
    summary="The applicant's own written notice or certificate, as PDF",
    response_class=Response,
    responses={**PDF_RESPONSE, **problems(*PUBLIC, 404, 429)},
)
def applicant_document(
    kind: KindPath,
    request: Request,
    lookup: Annotated[Lookup, Depends(lookup)],
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The receipt number and query code of 办件查询; a wrong pair counts
    against the same per-address limit."""
    try:
        application = licensing(request).find_by_receipt(
            lookup.receipt_number, lookup.query_code
        )
    except NotFoundError:
        raise ProblemError(
            404, "no application matches that receipt number and query code"
        ) from None
    return _pdf(_issue(request, application.id, kind), if_none_match)


class LicenceCheck(BaseModel):
    licence_number: str
    certificate_name: str
    status: str = Field(description="valid, withdrawn, revoked, cancelled or expired")
    status_text: str = Field(description="有效 / 已撤回 / 已撤销 / 已注销 / 已过期")
    valid: bool = Field(description="true only while the licence is in force")
    valid_from: str
    valid_until: str | None
    ended_on: str | None


class LedgerProof(BaseModel):
    log: str
    position: int = Field(description="the DocumentIssued event's log position")
    leaf_index: int = Field(description="its leaf in the log's tree (0-based)")
    tree_size: int
    leaf_hash: str = Field(description="base64 SHA-256(0x00 ‖ entry)")
    proof: list[str] = Field(description="base64 hashes, leaf to root (RFC 9162)")
    checkpoint: str = Field(description="the signed checkpoint (C2SP note)")


class DocumentCheck(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "genuine": True,
                    "kind": "certificate",
                    "title": "许可证书",
                    "receipt_number": "32080320261123004211",
                    "item": {"code": "XK-TZSB-SYDJ", "name": "特种设备使用登记"},
                    "applicant": {
                        "name": "淮安测试机械有限公司1",
                        "uscc": "91320803000000011X",
                    },
                    "licensing_authority": "淮安区市场监督管理局",
                    "document": {
                        "sha256": "9f2c…",
                        "size": 48213,
                        "media_type": "application/pdf",
                    },
                    "decision_number": "淮区市监许〔2026〕12号",
                    "decided_on": "2026-11-23",
                    "certificate_number": "32080320261123004211-ZS",
                    "licence": {
                        "licence_number": "XK-TZSB-SYDJ-320803-2026-000042",
                        "certificate_name": "特种设备使用登记证",
                        "status": "valid",
                        "status_text": "有效",
                        "valid": True,
                        "valid_from": "2026-11-23",
                        "valid_until": "2031-11-22",
                        "ended_on": None,
                    },
                    "ledger": None,
                }
            ]
        }
    )

    genuine: bool
    kind: DocumentKind
    title: str
    receipt_number: str
    item: dict[str, str]
    applicant: dict[str, str | None] = Field(
        description="the holder (withheld for a natural person)"
    )
    licensing_authority: str
    document: dict[str, Any] = Field(
        description="the PDF as issued: its sha256 (compare with the file you hold)"
    )
    decision_number: str | None
    decided_on: str | None
    certificate_number: str | None
    licence: LicenceCheck | None = Field(
        description="a certificate's licence, from the licence register"
    )
    ledger: LedgerProof | None = Field(
        description="inclusion of the DocumentIssued event in the latest signed"
        " checkpoint of the licensing log; null where no ledger is kept or"
        " none has been signed since"
    )


@router.get(
    "/public/v1/licensing/documents/{code}",
    summary="电子证照核验: is this document genuine, and the licence still valid?",
    response_class=JSON,
    response_model=DocumentCheck,
    responses=problems(*PUBLIC, 404),
)
def check_document(code: CodePath, request: Request, reader: PublicReader) -> JSON:
    return JSON(
        check(
            licensing(request),
            reader.conn,
            request.app.state.settings,
            reader.today,
            code,
        )
    )
