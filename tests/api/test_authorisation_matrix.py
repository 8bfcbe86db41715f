"""Who may call what: every licensing endpoint × every role × in/out of jurisdiction.

The table of who may issue each command is `Licensing.permissions`, and the
list of command endpoints is the routers' own `COMMANDS`, so a new verb or a
changed permission shows up here without anyone remembering to add it.
Cases belong to the county 320803; its staff and the city's (3208) are in
jurisdiction, the neighbouring county's (320804) are not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.licensing import applications as licensing_applications
from api.licensing import licences
from api.licensing import submissions as online_submissions
from domain.licensing.service import Licensing
from domain.licensing.submission import submission_id
from domain.registry.catalogue import Catalogue
from domain.registry.service import Registry
from domain.shared.audit import SYSTEM_BOOTSTRAP, Audit, Role
from domain.shared.clock import FixedClock
from tests.api.conftest import (
    ALL_MATERIALS,
    CITY,
    COUNTY,
    ITEM,
    MONDAY_0900,
    OTHER_COUNTY,
    Staff,
    applicant,
    receive,
)
from tests.api.helpers import (
    APPLICATION_BODIES,
    APPLICATION_PREREQUISITES,
    APPLICATIONS,
    LICENCE_BODIES,
    LICENCE_PREREQUISITES,
    LICENCES,
    StaffBook,
    assert_problem,
    commitment_licence,
    etag_of,
    log_head,
    ok,
    post,
    run_verb,
    unchanged,
)
from tests.api.submissions import SUBMISSION_BODIES, SUBMISSIONS, submitted

IN_JURISDICTION = (COUNTY, CITY)
UNITS = {COUNTY: "county", CITY: "city", OTHER_COUNTY: "other-county"}


@dataclass(frozen=True)
class Endpoint:
    target: str  # "applications" (create), "application", "licence" or "submission"
    method: str
    suffix: str  # "", "/history" or "/<verb>"
    permission: str  # a key of Licensing.permissions

    @property
    def verb(self) -> str:
        return self.suffix.lstrip("/")

    @property
    def is_read(self) -> bool:
        return self.method == "GET"

    @property
    def allowed(self) -> frozenset[Role]:
        return Licensing.permissions[self.permission]

    @property
    def body(self) -> dict[str, Any] | None:
        if self.is_read:
            return None
        if self.target == "applications":
            return RECEIVE_BODY
        return BODIES[self.target][self.verb]

    @property
    def template(self) -> str:
        if self.target == "applications":
            return APPLICATIONS
        return f"{BASES[self.target]}/{{case_id}}{self.suffix}"

    def __str__(self) -> str:
        return f"{self.method} {self.target}{self.suffix}"


RECEIVE_BODY = {"item_code": ITEM, "applicant": applicant(), "materials": ALL_MATERIALS}
BASES = {"application": APPLICATIONS, "licence": LICENCES, "submission": SUBMISSIONS}
BODIES = {
    "application": APPLICATION_BODIES,
    "licence": LICENCE_BODIES,
    "submission": SUBMISSION_BODIES,
}

ENDPOINTS = [
    Endpoint("applications", "POST", "", "receive"),
    Endpoint("application", "GET", "", "read"),
    Endpoint("application", "GET", "/history", "read"),
    *(
        Endpoint("application", "POST", f"/{c.verb}", c.name)
        for c in licensing_applications.COMMANDS
    ),
    Endpoint("licence", "GET", "", "read"),
    Endpoint("licence", "GET", "/history", "read"),
    *(Endpoint("licence", "POST", f"/{c.verb}", c.name) for c in licences.COMMANDS),
    # Online submissions (网上申报): staff's side; the applicant's is public.
    Endpoint("submission", "GET", "", "read"),
    Endpoint("submission", "GET", "/history", "read"),
    *(
        Endpoint("submission", "POST", f"/{c.verb}", c.name)
        for c in online_submissions.COMMANDS
    ),
]
CASE_COMMANDS = [e for e in ENDPOINTS if not e.is_read and e.target != "applications"]
READS = [e for e in ENDPOINTS if e.is_read]


def cells(
    endpoints: list[Endpoint], *, permitted: bool | None, units: tuple[str, ...]
) -> list[Any]:
    """(endpoint, role, unit) triples; permitted=None takes every role."""
    return [
        pytest.param(e, role, unit, id=f"{e}-{role.value}-{UNITS[unit]}")
        for e in endpoints
        for role in Role
        for unit in units
        if permitted is None or (role in e.allowed) is permitted
    ]


@pytest.fixture(scope="module")
def cases(
    app_client: TestClient, staff: StaffBook, clock: FixedClock
) -> dict[str, str]:
    """One application and one licence of the county, shared by the cells that
    must not change them (refusals and reads)."""
    clock.at = MONDAY_0900  # module fixtures run before the per-test clock reset
    application = receive(app_client, staff[(Role.CLERK, COUNTY)])
    licence = commitment_licence(app_client, staff, seed=101)
    submission = submitted(app_client, 102)["submission_number"]
    return {
        "application": application["id"],
        "licence": licence["id"],
        "submission": str(submission_id(submission)),
    }


def path_of(endpoint: Endpoint, cases: dict[str, str]) -> str:
    if endpoint.target == "applications":
        return endpoint.template
    return endpoint.template.format(case_id=cases[endpoint.target])


def case_path(endpoint: Endpoint, cases: dict[str, str]) -> str:
    return f"{BASES[endpoint.target]}/{cases[endpoint.target]}"


def call(client: TestClient, endpoint: Endpoint, path: str, who: Staff) -> Any:
    if endpoint.is_read:
        return client.get(path, headers=who.headers)
    return post(client, path, who, endpoint.body)


# -- the table itself ---------------------------------------------------------------


def test_every_command_route_is_in_the_matrix_with_a_permission(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    # The list queries (GET on the collections) read the read models, scoped by
    # jurisdiction for every role: tests/api/test_read_models.py covers them
    # (and tests/api/test_online_submissions.py the submissions' list and the
    # downloads of their documents, by role and jurisdiction).
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith((APPLICATIONS, LICENCES, SUBMISSIONS))
        and ("/documents/" not in path or path == DOCUMENTS)
        for method in operations
        if method.upper() == "POST" or "{" in path
    }
    # A case's PDFs: their own cells at the end of this file.
    covered = {(e.method, e.template) for e in ENDPOINTS} | {("GET", DOCUMENTS)}
    assert routes == covered
    for endpoint in ENDPOINTS:
        assert endpoint.permission in Licensing.permissions, endpoint
        assert endpoint.allowed, f"nobody may call {endpoint}"


def test_licence_verbs_are_authorised_as_the_services_licence_commands() -> None:
    names = {c.verb: c.name for c in licences.COMMANDS}
    assert names["withdraw"] == "withdraw_licence"
    assert Licensing.permissions[names["withdraw"]] == {Role.APPROVER}
    assert Licensing.permissions[names["revoke"]] == {Role.APPROVER}


# -- commands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"),
    cells(CASE_COMMANDS, permitted=False, units=tuple(UNITS)),
)
def test_a_role_the_command_does_not_permit_is_forbidden_and_nothing_changes(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    reader = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case_path(endpoint, cases), reader):
        response = call(client, endpoint, path_of(endpoint, cases), staff[(role, unit)])
    body = assert_problem(response, 403, "forbidden", detail="needs one of the roles")
    for allowed in endpoint.allowed:
        assert allowed.value in body["detail"]


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"),
    cells(CASE_COMMANDS, permitted=True, units=(OTHER_COUNTY,)),
)
def test_a_permitted_role_outside_the_cases_jurisdiction_is_forbidden(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    reader = staff[(Role.CLERK, COUNTY)]
    with unchanged(client, case_path(endpoint, cases), reader):
        response = call(client, endpoint, path_of(endpoint, cases), staff[(role, unit)])
    assert_problem(response, 403, "forbidden", detail="outside")


INTERVIEW_VERBS = {"schedule-interview", "record-interview"}
RENEWAL_VERBS = {"request-renewal", "renew", "refuse-renewal"}


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"),
    cells(CASE_COMMANDS, permitted=True, units=IN_JURISDICTION),
)
def test_a_permitted_role_of_the_county_or_its_city_may_act(
    client: TestClient,
    staff: StaffBook,
    clock: FixedClock,
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    """The case is brought to the state the command needs, then the county's
    or the city's staff member issues it and the event records them."""
    if endpoint.target == "submission":
        case_id = str(submission_id(submitted(client, 103)["submission_number"]))
        bodies, before, base = SUBMISSION_BODIES, {}, SUBMISSIONS
    elif endpoint.target == "application":
        # A refusal interview is held where it was routed; an item that is not
        # safety-critical keeps it at the county (the city takes escalated ones).
        local = {"item_code": "XK-JL-XSPZ", "materials": ["型式批准申请书"]}
        overrides = local if endpoint.verb in INTERVIEW_VERBS else {}
        case_id = receive(client, staff[(Role.CLERK, COUNTY)], **overrides)["id"]
        bodies, before = APPLICATION_BODIES, APPLICATION_PREREQUISITES
        base = APPLICATIONS
    else:
        case_id = commitment_licence(client, staff)["id"]
        bodies, before = LICENCE_BODIES, LICENCE_PREREQUISITES
        base = LICENCES
        if endpoint.verb in RENEWAL_VERBS:
            # Valid until 2032-11-22, apply by 2032-08-22, from 2032-02-22.
            clock.at = clock.at.replace(year=2032, month=3)
    for verb in before.get(endpoint.verb, []):
        prior = next(
            e for e in CASE_COMMANDS if e.target == endpoint.target and e.verb == verb
        )
        # A second verifier signs: the first is another reviewer in jurisdiction.
        second = endpoint.verb in {"sign-verification", "sign-commitment-check"}
        by = CITY if second and unit == COUNTY else COUNTY
        run_verb(client, staff, base, case_id, verb, bodies, min(prior.allowed), by)
    actor = staff[(role, unit)]
    response = post(client, f"{base}/{case_id}{endpoint.suffix}", actor, endpoint.body)
    assert response.status_code == 200, response.text
    etag_of(response)
    last = client.get(f"{base}/{case_id}/history", headers=actor.headers).json()
    recorded = last["events"][-1]
    assert recorded["actor"]["id"] == actor.staff_no
    assert recorded["actor"]["role"] == role.value
    assert recorded["actor"]["unit_code"] == unit
    assert recorded["causation"] == f"command:{endpoint.permission}"


# -- receiving an application (no case yet) ------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"),
    cells([ENDPOINTS[0]], permitted=False, units=tuple(UNITS)),
)
def test_only_a_clerk_receives_an_application_and_a_refusal_files_nothing(
    client: TestClient, staff: StaffBook, endpoint: Endpoint, role: Role, unit: str
) -> None:
    head = log_head(client)
    response = call(client, endpoint, APPLICATIONS, staff[(role, unit)])
    assert_problem(response, 403, "forbidden", detail="receive needs one of the roles")
    assert log_head(client) == head


@pytest.mark.parametrize("unit", list(UNITS), ids=list(UNITS.values()))
def test_a_clerk_of_any_unit_receives_into_its_own_unit(
    client: TestClient, staff: StaffBook, unit: str
) -> None:
    """The receiving unit's jurisdiction is the case's: receipt is never out of it."""
    created = receive(client, staff[(Role.CLERK, unit)], applicant=applicant(5))
    assert created["unit_code"] == unit
    assert created["receipt_number"].startswith(f"{unit:0<6}")


# -- reads --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"), cells(READS, permitted=None, units=IN_JURISDICTION)
)
def test_every_role_reads_cases_of_its_jurisdiction(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    response = call(client, endpoint, path_of(endpoint, cases), staff[(role, unit)])
    assert response.status_code == 200, response.text
    etag_of(response)
    assert response.json()["id"] == cases[endpoint.target]


@pytest.mark.parametrize(
    ("endpoint", "role", "unit"), cells(READS, permitted=None, units=(OTHER_COUNTY,))
)
def test_only_an_auditor_reads_cases_outside_its_jurisdiction(
    client: TestClient,
    staff: StaffBook,
    cases: dict[str, str],
    endpoint: Endpoint,
    role: Role,
    unit: str,
) -> None:
    response = call(client, endpoint, path_of(endpoint, cases), staff[(role, unit)])
    if role is Role.AUDITOR:
        assert response.status_code == 200, response.text
        assert response.json()["id"] == cases[endpoint.target]
    else:
        assert_problem(response, 403, "forbidden", detail="outside your jurisdiction")


# -- authentication -----------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_request_without_a_token_is_401_with_a_bearer_challenge(
    client: TestClient, cases: dict[str, str], endpoint: Endpoint
) -> None:
    path = path_of(endpoint, cases)
    if endpoint.is_read:
        response = client.get(path)
    else:
        response = client.post(path, json=endpoint.body)
    assert_problem(response, 401, "unauthenticated", detail="bearer token")
    assert response.headers["www-authenticate"] == 'Bearer realm="casetrace"'


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer two words",
        "Bearer not-a-token-we-issued",
        f"Bearer {uuid.uuid4().hex}",
    ],
)
def test_a_malformed_or_unknown_token_is_401(
    client: TestClient, cases: dict[str, str], authorization: str
) -> None:
    path = f"{APPLICATIONS}/{cases['application']}"
    response = client.get(path, headers={"Authorization": authorization})
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
    response = client.post(f"{path}/accept", headers={"Authorization": authorization})
    assert_problem(response, 401, "unauthenticated")


def test_a_revoked_token_is_401_from_then_on(
    client: TestClient, cases: dict[str, str]
) -> None:
    registry = client.app.state.services.registry  # type: ignore[attr-defined]
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-revoke")
    staff_no = f"{COUNTY}-leaver-{uuid.uuid4().hex[:8]}"
    registry.enrol_staff(staff_no, "离职人员", COUNTY, frozenset({Role.CLERK}), boot)
    secret, token_id = registry.issue_token(staff_no, "tests", boot)
    headers = {"Authorization": f"Bearer {secret}"}
    path = f"{APPLICATIONS}/{cases['application']}"
    assert client.get(path, headers=headers).status_code == 200

    registry.revoke_token(token_id, boot)

    assert_problem(client.get(path, headers=headers), 401, "unauthenticated")
    assert_problem(
        client.post(f"{path}/accept", headers=headers), 401, "unauthenticated"
    )


def test_staff_with_several_roles_act_in_the_role_the_command_permits(
    client: TestClient, staff: StaffBook
) -> None:
    registry = client.app.state.services.registry  # type: ignore[attr-defined]
    boot = Audit(actor=SYSTEM_BOOTSTRAP, request_id="test-roles")
    staff_no = f"{COUNTY}-multi-{uuid.uuid4().hex[:8]}"
    roles = frozenset({Role.AUDITOR, Role.APPROVER})
    registry.enrol_staff(staff_no, "兼职负责人", COUNTY, roles, boot)
    secret, _ = registry.issue_token(staff_no, "tests", boot)
    multi = Staff(staff_no, secret, COUNTY, Role.APPROVER)
    case_id = receive(client, staff[(Role.CLERK, COUNTY)])["id"]
    case = f"{APPLICATIONS}/{case_id}"
    ok(post(client, f"{case}/accept", staff[(Role.CLERK, COUNTY)]))

    assert_problem(
        post(client, f"{case}/withdraw", multi, {"reason": "x"}), 403, "forbidden"
    )
    ok(post(client, f"{case}/extend", multi, APPLICATION_BODIES["extend"]))

    events = client.get(f"{case}/history", headers=multi.headers).json()["events"]
    assert events[-1]["actor"]["role"] == "approver"


# -- written notices as PDF (api/licensing/documents) ------------------------------

DOCUMENTS = f"{APPLICATIONS}/{{case_id}}/documents/{{kind}}"
DOCUMENT = "/documents/acceptance_notice"


@pytest.fixture(scope="module")
def accepted_case(app_client: TestClient, staff: StaffBook, clock: FixedClock) -> str:
    """A county case with an acceptance notice to read."""
    clock.at = MONDAY_0900
    case = f"{APPLICATIONS}/{receive(app_client, staff[(Role.CLERK, COUNTY)])['id']}"
    ok(post(app_client, f"{case}/accept", staff[(Role.CLERK, COUNTY)]))
    return case


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        pytest.param(role, unit, id=f"{role.value}-{UNITS[unit]}")
        for role in Role
        for unit in (*IN_JURISDICTION, OTHER_COUNTY)
    ],
)
def test_a_cases_pdf_is_read_by_its_jurisdictions_staff_and_auditors_only(
    client: TestClient, staff: StaffBook, accepted_case: str, role: Role, unit: str
) -> None:
    response = client.get(
        f"{accepted_case}{DOCUMENT}", headers=staff[(role, unit)].headers
    )
    if unit in IN_JURISDICTION or role is Role.AUDITOR:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
    else:
        assert_problem(response, 403, "forbidden", detail="outside your jurisdiction")


def test_a_cases_pdf_without_a_token_is_401(
    client: TestClient, accepted_case: str
) -> None:
    response = client.get(f"{accepted_case}{DOCUMENT}")
    assert_problem(response, 401, "unauthenticated", detail="bearer token")


# -- the catalogue's commands (one catalogue, named by the item's code) ---------------

CATALOGUE_COMMANDS = Registry.routes_on(Catalogue)


@pytest.mark.parametrize(
    ("verb", "role"),
    [
        pytest.param(c.verb, role, id=f"{c.verb}-{role.value}")
        for c in CATALOGUE_COMMANDS
        for role in Role
        if role not in Registry.permissions[c.name]
    ],
)
def test_a_role_other_than_admin_may_not_change_the_catalogue(
    client: TestClient, staff: StaffBook, verb: str, role: Role
) -> None:
    terms = client.get("/v1/licensing/items/XK-JL-XSPZ").json()
    before = client.get("/v1/licensing/items").headers["etag"]
    code = "SH-MATRIX-NEW" if verb == "publish" else "XK-JL-XSPZ"
    body = {"terms": {**terms, "code": code}, "reason": "矩阵测试"}
    if verb == "withdraw":
        body = {"reason": "矩阵测试"}
    response = post(
        client, f"/v1/licensing/items/{code}/{verb}", staff[(role, CITY)], body
    )
    assert_problem(response, 403, "forbidden")
    assert client.get("/v1/licensing/items").headers["etag"] == before


def test_every_catalogue_command_is_the_admins() -> None:
    assert {c.verb for c in CATALOGUE_COMMANDS} == {"publish", "revise", "withdraw"}
    for c in CATALOGUE_COMMANDS:
        assert Registry.permissions[c.name] == {Role.ADMIN}


# -- importing past matters (历史办件导入, tests/api/test_licensing_import.py) ------

IMPORT_ROUTE = ("POST", "/v1/licensing/imports", "import_past_matters")


def test_the_import_route_is_documented_with_its_permission(
    client: TestClient,
) -> None:
    method, path, permission = IMPORT_ROUTE
    assert method.lower() in client.get("/openapi.json").json()["paths"][path]
    assert Licensing.permissions[permission] == {Role.ADMIN}


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (role, unit)
        for role in Role
        if role not in Licensing.permissions[IMPORT_ROUTE[2]]
        for unit in UNITS
    ],
)
def test_no_role_but_an_admin_imports_past_matters_and_a_refusal_records_nothing(
    client: TestClient, staff: StaffBook, role: Role, unit: str
) -> None:
    head = log_head(client)
    response = client.post(
        IMPORT_ROUTE[1],
        content="原系统编号,事项编码\n".encode(),
        headers={**staff[(role, unit)].headers, "Content-Type": "text/csv"},
    )
    assert_problem(response, 403, "forbidden", detail="import-past-matters needs")
    assert log_head(client) == head
