"""The readers of licensing's queries: a bare `consistent_after` position is
one on the licensing log."""

from typing import Annotated

from fastapi import Depends

from api.http.reads import Reader, public_reader, staff_reader
from domain.licensing.service import Licensing

StaffReader = Annotated[Reader, Depends(staff_reader(Licensing.name))]
PublicReader = Annotated[Reader, Depends(public_reader(Licensing.name))]
