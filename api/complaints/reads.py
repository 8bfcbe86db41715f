"""What the 12315 line's routes depend on: the service, and the readers of its
queries (a bare `consistent_after` position is one on the complaints log).
Routers take these from here, never from a sibling router."""

from typing import Annotated

from fastapi import Depends, Request

from api.complaints import service
from api.http.reads import Reader, public_reader, staff_reader
from domain.complaints.service import Complaints


def complaints(request: Request) -> Complaints:
    """The running Complaints service of the request's app."""
    return service(request.app.state.services)


StaffReader = Annotated[Reader, Depends(staff_reader(Complaints.name))]
PublicReader = Annotated[Reader, Depends(public_reader(Complaints.name))]
