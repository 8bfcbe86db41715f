"""工作评议: the applicant rates the handling, and the staff's statistics.

- `POST /public/v1/licensing/ratings` (no token): receipt number, query code,
  满意 / 基本满意 / 不满意 and an optional comment; once per decision, never
  before it (409). A wrong code answers as an unknown number does (404), and
  failures count against the client like the progress lookup's (429).
The staff's figures are in `rating_statistics`.
"""

# No `from __future__ import annotations`: FastAPI resolves these at runtime.

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from api.http.errors import ProblemError
from api.http.limits import LookupLimiter, client_address, counted_lookup
from api.http.openapi import PUBLIC, problems
from api.http.views import JSON
from api.licensing import aftercare_schemas as schemas
from api.licensing.reads import licensing
from domain.licensing.rating import Comment
from domain.shared.audit import Actor, ActorKind, Audit
from domain.shared.errors import NotFoundError
from domain.shared.satisfaction import Rating
from domain.shared.text import Line

router = APIRouter(prefix="/public/v1/licensing/ratings", tags=["public"])

RATING_LABELS = {
    Rating.SATISFIED: "满意",
    Rating.FAIRLY_SATISFIED: "基本满意",
    Rating.DISSATISFIED: "不满意",
}
RATING_FORM = Actor(kind=ActorKind.PUBLIC, id="public:licensing-rating", name="申请人")


class HandlingRatingBody(BaseModel):
    """The applicant's 评议 of one decision's handling."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    receipt_number: Annotated[str, Line(40)]
    query_code: Annotated[str, Line(40)]
    rating: Rating
    comment: Comment = ""


def rate(request: Request, body: HandlingRatingBody) -> date:
    """The rating, counted per client address as the progress lookup is (the
    JSON route's and the page's); the day it was recorded."""
    limiter: LookupLimiter = request.app.state.lookup_limiter
    client = client_address(request, request.app.state.trusted_proxies)
    audit = Audit(
        actor=RATING_FORM,
        request_id=request.state.request_id,
        causation="public:licensing-rating",
    )
    service = licensing(request)
    with counted_lookup(limiter, client):
        try:
            result = service.rate_handling(
                body.receipt_number, body.query_code, body.rating, body.comment, audit
            )
        except NotFoundError as exc:
            raise ProblemError(404, str(exc)) from None
    # A keyed retry's answer is the first one's, read back at its version.
    rated_on: date = service.case_of(result).rated_on
    return rated_on


@router.post(
    "",
    response_class=JSON,
    status_code=201,
    summary="Rate the handling of a decided application, once (工作评议)",
    response_model=schemas.Rated,
    responses=problems(*PUBLIC, 404, 409, 413, 415, 429),
)
def post_rating(body: HandlingRatingBody, request: Request) -> JSON:
    rated_on = rate(request, body)
    answer = {
        "receipt_number": body.receipt_number,
        "rating": body.rating.value,
        "rated_on": rated_on,
    }
    return JSON(answer, status_code=201, headers={"Cache-Control": "no-store"})
