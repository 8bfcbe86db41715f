"""What licensing's routes depend on: the service, and the readers of its
queries (a bare `consistent_after` position is one on the licensing log).
Routers take these from here, never from a sibling router."""

from typing import Annotated

from fastapi import Depends, Request

from api.http.reads import Reader, public_reader, staff_reader
from api.licensing import service
from domain.licensing.service import Licensing


def licensing(request: Request) -> Licensing:
    """The running Licensing service of the request's app."""
    return service(request.app.state.services)


StaffReader = Annotated[Reader, Depends(staff_reader(Licensing.name))]
PublicReader = Annotated[Reader, Depends(public_reader(Licensing.name))]
