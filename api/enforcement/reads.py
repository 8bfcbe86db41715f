"""What the enforcement routes depend on: the service, and the reader of its
queries (a bare `consistent_after` position is one on the enforcement log)."""

from typing import Annotated

from fastapi import Depends, Request

from api.enforcement import service
from api.http.reads import Reader, staff_reader
from domain.enforcement.service import Enforcement


def enforcement(request: Request) -> Enforcement:
    """The running Enforcement service of the request's app."""
    return service(request.app.state.services)


StaffReader = Annotated[Reader, Depends(staff_reader(Enforcement.name))]
