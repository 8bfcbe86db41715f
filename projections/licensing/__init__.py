"""The licensing read models and their projector."""

from __future__ import annotations

from domain.licensing.service import Licensing
from domain.shared.calendar import WorkingDayCalendar

from projections.cases import CaseReadModel
from projections.licensing.applications import Applications
from projections.licensing.follow_ups import FollowUps
from projections.licensing.joint_reviews import JointReviews
from projections.licensing.liaisons import Liaisons
from projections.licensing.licences import Licences
from projections.licensing.ratings import Ratings
from projections.licensing.submissions import Submissions
from projections.runtime import Fault, Projector


def licensing_read_models(calendar: WorkingDayCalendar) -> list[CaseReadModel]:  # type: ignore[type-arg]
    """Every read model of the licensing context, in the order they are fed."""
    return [
        Applications(calendar),
        Licences(),
        Submissions(),
        JointReviews(),
        FollowUps(),
        Liaisons(),
        Ratings(),
    ]


def licensing_projector(
    url: str, licensing: Licensing, *, fault: Fault | None = None
) -> Projector:
    """The projector of every licensing read model, on the licensing log."""
    return Projector(
        url,
        {"licensing": licensing},
        licensing_read_models(licensing.calendar),
        fault=fault,
    )
