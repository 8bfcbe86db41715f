"""What the inspections routes depend on: the service and the readers of its
queries (a bare `consistent_after` position is one on the inspections log)."""

from typing import Annotated

from fastapi import Depends, Request

from api.http.reads import Reader, public_reader, staff_reader
from api.inspections import service
from domain.inspections.service import Inspections


def inspections(request: Request) -> Inspections:
    return service(request.app.state.services)


StaffReader = Annotated[Reader, Depends(staff_reader(Inspections.name))]
PublicReader = Annotated[Reader, Depends(public_reader(Inspections.name))]
