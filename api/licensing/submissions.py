"""Online submission and pre-review (网上申报、网上预审) over HTTP.

The applicant's side, no token (`/public/v1/licensing/submissions`):
- `POST` multipart/form-data: a `submission` part (JSON: unit, item,
  applicant, agent), then `material` and `file` parts in pairs — the n-th file
  belongs to the n-th material. Multipart rather than base64 in JSON: files
  travel as they are (a third smaller), an HTML form sends them without
  JavaScript, and `curl -F` is all a client needs. Each file's type is proven
  by its bytes (api/http/uploads.py); nothing is stored or recorded unless
  every file and every material passes. Answers a number and a query code.
- `GET /{submission_number}?query_code=`: status, the written reply, the materials and,
  once accepted, the application's progress (办件查询).
- `POST /{submission_number}/resubmit`: corrected materials after a reply asked for
  them; the old versions are kept.
- `GET /{submission_number}/documents/{sha256}?query_code=`: one of their own documents.

Staff's side (`/v1/licensing/submissions`): the list (read model, by
jurisdiction), one submission and its history, the pre-review replies
(request-corrections, accept, close) and the documents.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from api.http.auth import CurrentPrincipal
from api.http.commands import CaseResource, add_case_routes, expected_version
from api.http.errors import ProblemError
from api.http.limits import LookupLimiter, client_address, counted_lookup, refused
from api.http.openapi import PUBLIC, STAFF, problems
from api.http.reads import After, Limit, UnitFilter, page_body
from api.http.uploads import UploadLimits, check_count, check_size, checked
from api.http.views import JSON, case_response, etag, replay_marked
from api.licensing import submission_schemas as schemas
from api.licensing.reads import PublicReader, StaffReader, licensing
from domain.licensing.pre_review import NOT_FOUND
from domain.licensing.service import Licensing
from domain.licensing.submission import (
    MAX_DOCUMENTS_PER_MATERIAL,
    MaterialDocuments,
    OnlineSubmission,
    SubmissionStatus,
)
from domain.shared.audit import Actor, ActorKind, Audit
from domain.shared.documents import DocumentRef, DocumentStore, store_document
from domain.shared.errors import InvalidInputError, NotFoundError
from domain.shared.query_code import query_code_hash
from domain.shared.service import StaleVersionError
from domain.shared.text import Line
from projections.licensing import applications_queries as applications
from projections.licensing import submissions_queries as submissions

# Its fields in the bureau's words (merged into licensing's glossary).
GLOSSARY: Final[dict[str, str]] = {
    "submission": "网上申报 — JSON: the unit applied to, the item, the applicant and agent (SubmissionForm)",
    "material": "申请材料名称 — the material each file belongs to, in the files' order",
    "file": "材料文件 — PDF, JPEG or PNG; its type is judged by its bytes, never its name",
    "query_code": "查询码 — the query code shown once at receipt (XXXX-XXXX-XXXX)",
    "corrections": "补正内容 — each material to correct (or supply), with the reason",
    "MaterialCorrection.material": "申请材料名称 — a material of the item, by its catalogue name",
    "MaterialCorrection.reason": "补正理由 — what is wrong with it and how to put it right",
    "param.submission_number": "申报编号 — the submission number (also the receipt number once accepted)",
    "param.sha256": "文件摘要 — the document's SHA-256 (64 hex digits)",
}

router = APIRouter(prefix="/v1/licensing/submissions", tags=["online submissions"])
public = APIRouter(prefix="/public/v1/licensing/submissions", tags=["public"])

SUBMISSIONS_PER_HOUR = 20
HOUR_S = 3600.0
UPLOADS = {"x-body-media-type": "multipart/form-data", "x-body-limit": "uploads"}
MaterialName = Annotated[str, Line(200)]
Number = Annotated[str, Path(min_length=1, max_length=40)]
Sha256Path = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
QueryCode = Annotated[str, Line(40)]
DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the document's bytes, as uploaded",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/pdf", "image/jpeg", "image/png")
        },
    }
}


# -- views ------------------------------------------------------------------------


def _item(s: OnlineSubmission) -> dict[str, Any]:
    return {"code": s.item.code, "name": s.item.name, "category": s.item.category}


def submission_view(s: OnlineSubmission) -> dict[str, Any]:
    return {
        "id": s.id,
        "version": s.version,
        "submission_number": s.number,
        "status": s.status,
        "item": _item(s),
        "applicant": s.applicant,
        "agent": s.agent,
        "unit_code": s.unit_code,
        "submitted_on": s.submitted_on,
        "materials": s.materials,
        "versions": s.versions,
        "corrections": s.corrections,
        "reply": s.reply,
        "receipt_number": s.receipt_number,
        "application_id": s.application_id,
        "decided_on": s.decided_on,
    }


def public_view(
    s: OnlineSubmission, application: dict[str, Any] | None
) -> dict[str, Any]:
    """Nothing personal beyond what the applicant sent; no staff names."""
    return {
        "submission_number": s.number,
        "status": s.status,
        "item": _item(s),
        "submitted_on": s.submitted_on,
        "materials": s.materials,
        "corrections": s.corrections,
        "reply": s.reply,
        "receipt_number": s.receipt_number,
        "decided_on": s.decided_on,
        "application": application,
    }


# -- documents ----------------------------------------------------------------------


def document_store(request: Request) -> DocumentStore:
    store: DocumentStore = request.app.state.services.documents
    return store


def attachment(name: str) -> str:
    """Content-Disposition (RFC 6266): an ASCII fallback and the UTF-8 name."""
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def document_response(request: Request, s: OnlineSubmission, sha256: str) -> Response:
    """One of the submission's documents: only one it holds, with its own type."""
    ref: DocumentRef | None = s.document(sha256)
    content = document_store(request).get(sha256) if ref else None
    if ref is None or content is None:
        raise ProblemError(404, f"submission {s.number} holds no document {sha256}")
    return Response(
        content,
        media_type=ref.media_type,
        headers={
            "ETag": f'"{sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": attachment(ref.name),
            "Cache-Control": "private, no-store",
        },
    )


def upload_limits(request: Request) -> UploadLimits:
    settings = request.app.state.settings
    return UploadLimits(
        settings.upload_file_bytes, settings.upload_files, settings.upload_total_bytes
    )


def uploaded(
    request: Request,
    materials: list[str],
    files: list[UploadFile],
    check: Callable[[list[str]], object],
) -> tuple[MaterialDocuments, ...]:
    """The files, each proven by its bytes and within the limits, grouped by
    material and stored — only once every file and `check` (the domain's
    rules on these materials) have passed, so a refusal stores nothing."""
    if len(materials) != len(files):
        raise InvalidInputError(
            f"{len(files)} files but {len(materials)} materials: name one material"
            " for each file, in the same order",
            field="material",
        )
    limits = upload_limits(request)
    check_count(len(files), limits)
    grouped: dict[str, list[tuple[bytes, str, Any]]] = {}
    total = 0
    for index, (material, upload) in enumerate(zip(materials, files, strict=True)):
        content = upload.file.read(limits.file_bytes + 1)
        total += len(content)
        check_size(len(content), total, limits)
        name, media_type = checked(f"file[{index}]", upload.filename, content)
        grouped.setdefault(material, []).append((content, name, media_type))
    crowded = [
        m for m, docs in grouped.items() if len(docs) > MAX_DOCUMENTS_PER_MATERIAL
    ]
    if crowded:
        raise InvalidInputError(
            f"at most {MAX_DOCUMENTS_PER_MATERIAL} files per material: {crowded}",
            field="material",
        )
    check(list(grouped))
    store = document_store(request)
    return tuple(
        MaterialDocuments(
            material=material,
            documents=tuple(
                store_document(store, content, media_type, name)
                for content, name, media_type in docs
            ),
        )
        for material, docs in grouped.items()
    )


# -- the applicant's side -----------------------------------------------------------


def applicant_audit(request: Request) -> Audit:
    actor = Actor(kind=ActorKind.PUBLIC, id="public:online-submission", name="申请人")
    return Audit(
        actor=actor,
        request_id=request.state.request_id,
        causation="public:online-submission",
    )


def submission_form(text: str) -> schemas.SubmissionForm:
    """The `submission` part read as a SubmissionForm. Its JSON is a rule the
    multipart schema states only in words (a string part), so a refusal is
    told field by field like any 422, as a refusal of the part's content."""
    try:
        return schemas.SubmissionForm.model_validate_json(text)
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(["submission", *(str(p) for p in e["loc"])]),
                "message": e["msg"],
                "type": e["type"],
            }
            for e in exc.errors(include_url=False, include_context=False)
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise ProblemError(
            422,
            f"the submission part is not a valid SubmissionForm: {summary}",
            slug="invalid-input",
            extra={"errors": errors},
        ) from None


@contextmanager
def found(request: Request, number: str, query_code: str) -> Iterator[OnlineSubmission]:
    """The applicant's submission by number and query code, counted as a
    lookup (a wrong code answers as an unknown number; api/http/limits.py)."""
    limiter: LookupLimiter = request.app.state.lookup_limiter
    client = client_address(request, request.app.state.trusted_proxies)
    with counted_lookup(limiter, client):
        try:
            submission = licensing(request).find_submission(number, query_code)
        except NotFoundError:
            raise ProblemError(404, NOT_FOUND) from None
        yield submission


@public.post(
    "",
    response_class=JSON,
    status_code=201,
    summary="Submit an application online with its materials (网上申报; Arts. 29, 33)",
    response_model=schemas.SubmissionReceived,
    responses=problems(*PUBLIC, 404, 409, 413, 415, 429),
    openapi_extra=UPLOADS,
)
def submit(
    request: Request,
    submission: Annotated[
        str,
        Form(
            description="JSON: {unit_code, item_code, applicant, agent} (SubmissionForm)",
            min_length=2,
            max_length=20000,
        ),
    ],
    material: Annotated[
        list[MaterialName],
        Form(
            description="the material each file belongs to, in the files' order",
            min_length=1,
        ),
    ],
    file: Annotated[
        list[UploadFile],
        File(
            description="PDF, JPEG or PNG; the type is judged by the bytes",
            min_length=1,
        ),
    ],
) -> JSON:
    limiter = LookupLimiter(request.app.state.reads.pool, SUBMISSIONS_PER_HOUR, HOUR_S)
    client = client_address(request, request.app.state.trusted_proxies)
    attempt = limiter.attempt(f"licensing-submit:{client}")
    if isinstance(attempt, int):
        raise refused(attempt, "submissions")
    form = submission_form(submission)
    service = licensing(request)
    materials = uploaded(
        request,
        material,
        file,
        lambda names: service.check_submission(form.unit_code, form.item_code, names),
    )
    receipt = service.submit_online(
        applicant_audit(request),
        unit_code=form.unit_code,
        item_code=form.item_code,
        applicant=form.applicant,
        agent=form.agent,
        materials=materials,
    )
    s: OnlineSubmission = service.case_of(receipt)
    body = {
        "submission_number": receipt.submission_number,
        "query_code": receipt.query_code,
        "status": s.status,
        "submitted_on": s.submitted_on,
        "materials": s.materials,
    }
    response = JSON(
        body,
        status_code=201,
        headers={
            "Cache-Control": "no-store",
            "Location": f"{public.prefix}/{receipt.submission_number}",
            "ETag": etag(s.version),
        },
    )
    return replay_marked(response, receipt)


@public.get(
    "/{submission_number}",
    response_class=JSON,
    summary="Follow an online submission and the application it became (办件查询)",
    response_model=schemas.PublicSubmission,
    responses=problems(*PUBLIC, 404, 429),
)
def follow(
    request: Request,
    submission_number: Number,
    query_code: Annotated[QueryCode, Query()],
    reader: PublicReader,
) -> JSON:
    with found(request, submission_number, query_code) as s:
        progress = None
        if s.receipt_number is not None:
            # The application carries the submission's code, bound to its number.
            progress = applications.progress(
                reader.conn,
                s.receipt_number,
                lambda _: query_code_hash(s.number, query_code),
                reader.calendar,
                reader.today,
            )
        return case_response(public_view(s, progress), s.version)


@public.post(
    "/{submission_number}/resubmit",
    response_class=JSON,
    summary="Resubmit corrected materials after a pre-review reply (补正后重新提交)",
    response_model=schemas.PublicSubmission,
    responses=problems(*PUBLIC, 400, 404, 409, 412, 413, 415, 429),
    openapi_extra=UPLOADS,
)
def resubmit(
    request: Request,
    submission_number: Number,
    query_code: Annotated[QueryCode, Form()],
    material: Annotated[list[MaterialName], Form(min_length=1)],
    file: Annotated[list[UploadFile], File(min_length=1)],
    if_match: Annotated[str | None, Header()] = None,
) -> JSON:
    expected = expected_version(if_match)
    service = licensing(request)
    with found(request, submission_number, query_code) as s:
        if expected is not None and expected != s.version:
            raise StaleVersionError(
                f"online submission is at version {s.version}, not {expected}"
            )
        materials = uploaded(request, material, file, s.check_resubmission)
        result = service.resubmit_online(
            applicant_audit(request),
            number=submission_number,
            query_code=query_code,
            materials=materials,
            expected_version=expected,
        )
    after: OnlineSubmission = service.case_of(result)
    return replay_marked(case_response(public_view(after, None), after.version), result)


@public.get(
    "/{submission_number}/documents/{sha256}",
    response_class=Response,
    summary="One of the applicant's own documents (by its SHA-256)",
    responses={**DOCUMENT, **problems(*PUBLIC, 404, 429)},
)
def applicant_document(
    request: Request,
    submission_number: Number,
    sha256: Sha256Path,
    query_code: Annotated[QueryCode, Query()],
) -> Response:
    with found(request, submission_number, query_code) as s:
        return document_response(request, s, sha256)


# -- staff's side ---------------------------------------------------------------------

SUBMISSIONS = CaseResource(
    what="online submission",
    service=licensing,
    load=lambda request, case_id, version: licensing(request).get_submission(
        case_id, version
    ),
    units_of=lambda s: (s.unit_code,),
    view=submission_view,
    model=schemas.SubmissionView,
    changed=schemas.SubmissionChanged,
)


@router.get(
    "",
    response_class=JSON,
    summary="Online submissions, those awaiting pre-review first (read model; your jurisdiction only)",
    response_model=schemas.SubmissionsPage,
    responses=problems(*STAFF),
)
def list_submissions(
    reader: StaffReader,
    status: Annotated[list[SubmissionStatus] | None, Query()] = None,
    item: Annotated[Annotated[str, Line(40)] | None, Query()] = None,
    unit: UnitFilter = None,
    after: After = None,
    limit: Limit = 50,
) -> JSON:
    page = submissions.submissions(
        reader.conn,
        submissions.SubmissionQuery(
            scope=reader.scope,
            statuses=tuple(status or ()),
            item_code=item,
            unit=reader.unit(unit),
            after=after,
            limit=limit,
        ),
    )
    return JSON(page_body(page))


# The pre-review replies, as the service declares them.
COMMANDS = Licensing.routes_on(OnlineSubmission)

add_case_routes(router, SUBMISSIONS, COMMANDS)


@router.get(
    "/{case_id}/documents/{sha256}",
    response_class=Response,
    summary="A document of the submission (any version), by its SHA-256",
    responses={**DOCUMENT, **problems(*STAFF, 404)},
)
def staff_document(
    case_id: UUID, sha256: Sha256Path, request: Request, principal: CurrentPrincipal
) -> Response:
    s = licensing(request).get_submission(case_id)
    SUBMISSIONS.require_readable(request, s)
    return document_response(request, s, sha256)
