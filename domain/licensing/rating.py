"""HandlingRating (工作评议): the applicant rates the handling of its application.

Seed 000, 行政许可工作评议制度. The applicant, with the receipt number and
query code it was given (no staff token), rates once per decision: after the
application was decided (granted, refused, not accepted, or terminated),
never before, and never twice (one rating per application: its id follows
from the application's). The scale is the one complaints use
(`domain.shared.satisfaction.Rating`: 满意 / 基本满意 / 不满意), so the bureau's
评议 figures read alike across its lines of work.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.licensing.application import LicenceApplication, Status
from domain.shared.audit import Audit, require_actor
from domain.shared.errors import IllegalTransitionError
from domain.shared.events import Aggregate
from domain.shared.satisfaction import Rating
from domain.shared.text import Prose

RULE_RATING = "行政许可工作评议制度（每一决定评议一次）"

Comment = Annotated[str, Prose(1000)]


# A granted application's certificate steps follow its decision.
DECISION_OF = {
    Status.CERTIFICATE_ISSUED: Status.GRANTED,
    Status.CERTIFICATE_SERVED: Status.GRANTED,
}


def rating_id(application_id: UUID) -> UUID:
    """One rating per application (and so per decision)."""
    return uuid5(NAMESPACE_URL, f"casetrace:licensing:rating:{application_id}")


class AlreadyRatedError(IllegalTransitionError):
    slug = "already-rated"
    title = "The handling was already rated"


class HandlingRating(Aggregate):
    PINNED_TOPIC = "casetrace.licensing.HandlingRating"

    class Rated(Aggregate.Created):
        application_id: UUID
        receipt_number: str
        item_code: str
        item_name: str
        unit_code: str
        decision: str  # the application's status when decided (granted, …)
        decided_on: date
        rating: Rating
        comment: str
        rated_on: date
        rule: str

    @event(Rated)
    def __init__(
        self,
        *,
        audit: Audit,
        application_id: UUID,
        receipt_number: str,
        item_code: str,
        item_name: str,
        unit_code: str,
        decision: str,
        decided_on: date,
        rating: Rating,
        comment: str,
        rated_on: date,
        rule: str,
    ) -> None:
        self.application_id = application_id
        self.unit_code = unit_code
        self.rating = rating
        self.rated_on = rated_on

    @classmethod
    def rate(
        cls,
        application: LicenceApplication,
        rating: Rating,
        comment: str,
        today: date,
        audit: Audit,
        *,
        already_rated: bool,
    ) -> HandlingRating:
        """评议: refused before the decision and after a first rating."""
        require_actor(audit)
        if application.decided_on is None:
            raise IllegalTransitionError(
                "the handling is rated once the application is decided",
                rule=RULE_RATING,
            )
        if already_rated:
            raise AlreadyRatedError(
                "this decision's handling was already rated", rule=RULE_RATING
            )
        return cls._create(
            cls.Rated,
            id=rating_id(application.id),
            audit=audit,
            application_id=application.id,
            receipt_number=application.receipt_number,
            item_code=application.item.code,
            item_name=application.item.name,
            unit_code=application.unit_code,
            decision=DECISION_OF.get(application.status, application.status).value,
            decided_on=application.decided_on,
            rating=rating,
            comment=comment,
            rated_on=today,
            rule=RULE_RATING,
        )
