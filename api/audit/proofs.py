"""The ledger over HTTP (DESIGN §5): inclusion proofs and the ledger's state
for auditors; for the public, no token, the ledger's key, its signed
checkpoints (the C2SP note as text, for standard transparency-log tools) and
consistency proofs."""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Optional

import psycopg
from fastapi import APIRouter, Depends, Query, Request, Response
from psycopg import sql
from pydantic import BaseModel, ConfigDict, Field

from api.audit.checkpoints import believed, latest_believed
from api.audit.keys import Key, origin, verifying_key
from api.audit.reads import (
    LOG_PATTERN,
    NUMBER,
    PublicReader,
    StaffReader,
    auditor_only,
    b64,
    known_log,
    record_read,
    require_auditor,
)
from api.http.auth import CurrentPrincipal
from api.http.errors import ProblemError
from api.http.openapi import PUBLIC, STAFF, problems
from api.http.reads import Limit
from api.http.views import JSON
from domain.ledger.entry import stored_entry
from domain.ledger.note import verifier_key
from domain.shared.errors import InvalidInputError
from projections.audit import ledger_queries
from projections.runtime import events_table

router = APIRouter(tags=["audit"], dependencies=[Depends(auditor_only)])


# -- proofs -------------------------------------------------------------------------


class InclusionProof(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "log": "licensing",
                    "position": 1842,
                    "leaf_index": 1839,
                    "tree_size": 2048,
                    "leaf_hash": "q0dMiDVc4vlzPzi6jWGQXh7tgLPRhEPgpj4dK2fVj5Q=",
                    "entry": "AQlsaWNlbnNpbmcAAAAAAAAHMgAv…",
                    "proof": ["3mBnEk3gN0YzDXXRH6x9wT0Z9nGkz8ai5IhkX0L2oxA="],
                    "checkpoint": "casetrace.local/licensing\n2048\n"
                    "x0dMiDVc4vlzPzi6jWGQXh7tgLPRhEPgpj4dK2fVj5Q=\n\n"
                    "— casetrace.local/licensing W3rdkh…\n",
                }
            ]
        }
    )

    log: str
    position: int = Field(
        description="the event's position in its log (notification id)"
    )
    leaf_index: int = Field(
        description="its leaf in the log's tree (0-based; not the position)"
    )
    tree_size: int
    leaf_hash: str = Field(
        description="base64 SHA-256(0x00 ‖ entry), as the ledger holds it"
    )
    entry: Optional[str] = Field(  # noqa: UP045
        description="base64 of the leaf entry recomputed from the stored event now"
        " (README: the leaf encoding); null if the event is gone"
    )
    proof: list[str] = Field(
        description="base64 hashes, leaf to root (RFC 9162 §2.1.3)"
    )
    checkpoint: str = Field(
        description="the signed checkpoint (C2SP note) of tree_size"
    )


@router.get(
    "/v1/audit/proof/inclusion",
    response_class=JSON,
    response_model=InclusionProof,
    responses=problems(*STAFF, 404),
    summary="Inclusion proof of one event in a signed checkpoint (auditors)",
)
def inclusion_proof(
    request: Request,
    principal: CurrentPrincipal,
    reader: StaffReader,
    log: Annotated[str, Query(pattern=LOG_PATTERN, description="the event log")],
    position: Annotated[
        str, Query(pattern=NUMBER, description="the event's position in its log")
    ],
    tree_size: Annotated[
        Optional[str],  # noqa: UP045
        Query(
            pattern=NUMBER,
            description="a signed checkpoint's size; default the latest",
        ),
    ] = None,
) -> JSON:
    require_auditor(principal)
    known_log(request, log)
    size = None if tree_size is None else int(tree_size)
    return _inclusion(request, principal, reader, log, int(position), size)


def _inclusion(
    request: Request,
    principal: Any,
    reader: Any,
    log: str,
    position: int,
    tree_size: Optional[int],  # noqa: UP045
) -> JSON:
    record_read(
        request,
        principal,
        "audit_inclusion_proof",
        {"log": log, "position": position, "tree_size": tree_size},
    )
    checkpoint = _checkpoint(request, reader.conn, log, tree_size)
    leaf = ledger_queries.leaf_at(reader.conn, log, position)
    if leaf is None or leaf.index >= checkpoint.size:
        raise ProblemError(
            404,
            f"no event at position {position} of {log} is under the checkpoint of"
            f" {checkpoint.size} (not recorded, or recorded after it)",
            slug="not-found",
        )
    proof = _proved(
        lambda: ledger_queries.inclusion_proof(
            reader.conn, log, leaf.index, checkpoint.size
        )
    )
    return JSON(
        {
            "log": log,
            "position": position,
            "leaf_index": leaf.index,
            "tree_size": checkpoint.size,
            "leaf_hash": b64(leaf.hash),
            "entry": _entry(request, reader.conn, log, position),
            "proof": [b64(h) for h in proof],
            "checkpoint": checkpoint.note,
        }
    )


def _proved(make: Callable[[], list[bytes]]) -> list[bytes]:
    """A proof from the ledger's stored subtrees; a subtree missing from them
    (tables altered, or a checkpoint the ledger cannot back) is a 503."""
    try:
        return make()
    except LookupError:
        raise ProblemError(
            503,
            "the ledger's tables cannot back this proof; run casetrace verify",
            slug="unavailable",
        ) from None


def _entry(
    request: Request, conn: psycopg.Connection[Any], log: str, position: int
) -> Optional[str]:  # noqa: UP045
    app = request.app.state.services.logs().get(log)
    row = conn.execute(
        sql.SQL(
            "SELECT topic, originator_id, originator_version, state FROM {}"
            " WHERE notification_id = %s"
        ).format(events_table(app)),
        (position,),
        binary=True,
    ).fetchone()
    if row is None:
        return None
    made = stored_entry(log, position, row[0], row[1], row[2], row[3])
    return None if made is None else b64(made)


def _checkpoint(
    request: Request,
    conn: psycopg.Connection[Any],
    log: str,
    size: Optional[int],  # noqa: UP045
) -> ledger_queries.Checkpoint:
    """A checkpoint that verifies with the ledger's key (a row that does
    not is no checkpoint): of a size, or the latest."""
    key = _key(request)
    if size is None:
        found = latest_believed(conn, log, key)
    else:
        at = ledger_queries.at_size(conn, log, size)
        found = at if at is not None and believed(at, key) else None
    if found is None:
        what = f"of size {size}" if size is not None else "yet"
        raise ProblemError(
            404, f"the {log} log has no signed checkpoint {what}", slug="not-found"
        )
    return found


# -- routes: the public -------------------------------------------------------------

public = APIRouter(tags=["ledger (public)"])


class LedgerKeyView(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "algorithm": "Ed25519",
                    "key_name": "casetrace.local",
                    "public_key": "GlzZBxQ8OExB6DDFvOEqqIF+xWSaqr8sMTiLNbLXRNY=",
                    "verifier_keys": {
                        "licensing": "casetrace.local/licensing+0c1b7f2e+"
                        "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
                    },
                }
            ]
        }
    )

    algorithm: str = Field(description="Ed25519 (signed-note signature type 0x01)")
    key_name: str = Field(description="every log's origin is this name, '/', the log")
    public_key: str = Field(description="base64 of the 32-byte Ed25519 public key")
    verifier_keys: dict[str, str] = Field(
        description="per log: its note verifier key, `<origin>+<key id>+<base64(0x01 ‖ key)>`"
    )


def _key(request: Request) -> Key:
    """The ledger's public key, as configured (never made here)."""
    key = verifying_key(request.app.state.settings)
    if key is None:
        raise ProblemError(
            503,
            "the ledger's key is not configured on this server"
            " (CASETRACE_LEDGER_PUBLIC_KEY)",
            slug="unavailable",
        )
    return key


@public.get(
    "/public/v1/ledger/key",
    response_class=JSON,
    response_model=LedgerKeyView,
    responses=problems(*PUBLIC),
    summary="The ledger's public key, and each log's note verifier key",
)
def public_key(request: Request) -> JSON:
    return JSON(
        key_document(request), headers={"Cache-Control": "public, max-age=3600"}
    )


def key_document(request: Request) -> dict[str, Any]:
    """The ledger's public key and each log's verifier key (the JSON route's
    and the checkpoint page's)."""
    key = _key(request)
    logs = sorted(request.app.state.services.logs())
    return {
        "algorithm": "Ed25519",
        "key_name": key.name,
        "public_key": b64(key.public),
        "verifier_keys": {
            log: verifier_key(origin(key.name, log), key.public) for log in logs
        },
    }


class NoteResponse(Response):
    media_type = "text/plain; charset=utf-8"


@public.get(
    "/public/v1/ledger/checkpoint",
    response_class=NoteResponse,
    responses={
        200: {
            "description": "the latest signed checkpoint of the log, a C2SP"
            " tlog-checkpoint signed note (Ed25519)",
            "content": {
                "text/plain; charset=utf-8": {
                    "schema": {"type": "string"},
                    "example": "casetrace.local/licensing\n1024\n"
                    "x0dMiDVc4vlzPzi6jWGQXh7tgLPRhEPgpj4dK2fVj5Q=\n\n"
                    "— casetrace.local/licensing Az3grl…\n",
                }
            },
        },
        **problems(*PUBLIC, 404),
    },
    summary="The latest signed checkpoint of one log (C2SP tlog-checkpoint)",
)
def latest_checkpoint(
    request: Request,
    reader: PublicReader,
    log: Annotated[str, Query(pattern=LOG_PATTERN, description="the event log")],
) -> NoteResponse:
    known_log(request, log)
    found = _checkpoint(request, reader.conn, log, None)
    return NoteResponse(found.note, headers={"Cache-Control": "no-cache"})


class CheckpointView(BaseModel):
    log: str
    size: int
    root: str = Field(description="base64 root hash")
    note: str = Field(description="the signed note")
    signed_at: datetime


class CheckpointList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "log": "licensing",
                            "size": 2048,
                            "root": "x0dMiDVc4vlzPzi6jWGQXh7tgLPRhEPgpj4dK2fVj5Q=",
                            "note": "casetrace.local/licensing\n2048\n"
                            "x0dMiDVc4vlzPzi6jWGQXh7tgLPRhEPgpj4dK2fVj5Q=\n\n"
                            "— casetrace.local/licensing W3rdkh…\n",
                            "signed_at": "2026-11-23T01:13:00Z",
                        }
                    ]
                }
            ]
        }
    )

    items: list[CheckpointView]


def _view(cp: ledger_queries.Checkpoint) -> dict[str, Any]:
    return {
        "log": cp.log,
        "size": cp.size,
        "root": b64(cp.root),
        "note": cp.note,
        "signed_at": cp.signed_at,
    }


@public.get(
    "/public/v1/ledger/checkpoints",
    response_class=JSON,
    response_model=CheckpointList,
    responses=problems(*PUBLIC),
    summary="Signed checkpoints: each log's latest, or one log's in order (witnesses)",
)
def checkpoints(
    request: Request,
    reader: PublicReader,
    log: Annotated[
        Optional[str],  # noqa: UP045
        Query(pattern=LOG_PATTERN, description="one log's history instead"),
    ] = None,
    after: Annotated[
        Optional[str],  # noqa: UP045
        Query(pattern=NUMBER, description="with `log`: sizes above this"),
    ] = None,
    limit: Limit = 100,
) -> JSON:
    key = _key(request)
    if log is None:
        found = latest_checkpoints(request, reader.conn)
    else:
        known_log(request, log)
        found = ledger_queries.history(
            reader.conn, log, -1 if after is None else int(after), limit
        )
    return JSON({"items": [_view(cp) for cp in found if believed(cp, key)]})


def latest_checkpoints(
    request: Request, conn: psycopg.Connection[Any]
) -> list[ledger_queries.Checkpoint]:
    """Each log's latest checkpoint whose note verifies with the ledger's key."""
    key = _key(request)
    return [
        cp
        for name in sorted(request.app.state.services.logs())
        if (cp := latest_believed(conn, name, key)) is not None
    ]


class ConsistencyProof(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "log": "licensing",
                    "from": 1024,
                    "to": 2048,
                    "proof": ["x0dMiDVc4vlzPzi6jWGQXh7tgLPRhEPgpj4dK2fVj5Q="],
                    "checkpoint": None,
                }
            ]
        },
    )

    log: str
    from_size: int = Field(alias="from")
    to_size: int = Field(alias="to")
    proof: list[str] = Field(description="base64 hashes (RFC 9162 §2.1.4)")
    checkpoint: Optional[str] = Field(  # noqa: UP045
        description="the signed checkpoint of `to`, if one was signed at that size"
    )


@public.get(
    "/public/v1/ledger/consistency",
    response_class=JSON,
    response_model=ConsistencyProof,
    responses=problems(*PUBLIC, 404),
    summary="Consistency proof between two tree sizes of one log",
)
def consistency(
    request: Request,
    reader: PublicReader,
    log: Annotated[str, Query(pattern=LOG_PATTERN, description="the event log")],
    older: Annotated[
        str, Query(alias="from", pattern=NUMBER, description="the older tree size")
    ],
    newer: Annotated[
        str,
        Query(
            alias="to",
            pattern=NUMBER,
            description="the newer tree size (at most the latest signed one)",
        ),
    ],
) -> JSON:
    known_log(request, log)
    first, second = int(older), int(newer)
    if first > second:
        raise InvalidInputError("`from` is larger than `to`", field="from")
    latest = _checkpoint(request, reader.conn, log, None)
    if second > latest.size:
        raise InvalidInputError(
            f"`to` is beyond the latest signed checkpoint ({latest.size})", field="to"
        )
    proof = (
        _proved(
            lambda: ledger_queries.consistency_proof(reader.conn, log, first, second)
        )
        if 0 < first < second
        else []
    )
    signed = ledger_queries.at_size(reader.conn, log, second)
    if signed is not None and not believed(signed, _key(request)):
        signed = None
    return JSON(
        {
            "log": log,
            "from": first,
            "to": second,
            "proof": [b64(h) for h in proof],
            "checkpoint": signed.note if signed else None,
        }
    )


class LedgerLog(BaseModel):
    log: str
    leaves: int = Field(description="events the ledger has hashed")
    checkpoint: Optional[int] = Field(description="the latest signed size")  # noqa: UP045
    signed_at: Optional[datetime]  # noqa: UP045


class LedgerStatus(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "logs": [
                        {
                            "log": "licensing",
                            "leaves": 2051,
                            "checkpoint": 2048,
                            "signed_at": "2026-11-23T01:13:00Z",
                        }
                    ],
                    "refusals": [],
                }
            ]
        }
    )

    logs: list[LedgerLog]
    refusals: list[dict[str, Any]] = Field(
        description="trees the signer refused to sign (not consistent with the last checkpoint)"
    )


@router.get(
    "/v1/audit/ledger",
    response_class=JSON,
    response_model=LedgerStatus,
    responses=problems(*STAFF),
    summary="The ledger's state: leaves and latest checkpoint per log, refusals (auditors)",
)
def ledger_status(
    request: Request, principal: CurrentPrincipal, reader: StaffReader
) -> JSON:
    require_auditor(principal)
    record_read(request, principal, "audit_ledger", {})
    sizes = ledger_queries.sizes(reader.conn)
    key = _key(request)
    latest = {
        log: cp
        for log in request.app.state.services.logs()
        if (cp := latest_believed(reader.conn, log, key)) is not None
    }
    rows = [
        {
            "log": log,
            "leaves": sizes.get(log, 0),
            "checkpoint": latest[log].size if log in latest else None,
            "signed_at": latest[log].signed_at if log in latest else None,
        }
        for log in sorted(request.app.state.services.logs())
    ]
    refused = [
        {"log": log, "size": size, "reason": reason, "at": at}
        for log, size, reason, at in ledger_queries.refusals(reader.conn)
    ]
    return JSON({"logs": rows, "refusals": refused})
