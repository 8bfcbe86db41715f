"""Online submission and pre-review (网上申报、网上预审) through HTTP: the
applicant submits without a token, staff reply in writing, the applicant
resubmits, an accepted submission is a received application with the
documents' refs, and one query code follows both. Hostile input stores and
records nothing."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.host.documents import SCHEMA
from api.host.recorder import API_SCHEMA
from domain.shared.audit import Role
from domain.shared.documents import content_address
from tests.api.conftest import CITY, COUNTY, OTHER_COUNTY
from tests.api.files import pdf, png
from tests.api.helpers import (
    APPLICATIONS,
    StaffBook,
    assert_problem,
    field_errors,
    log_head,
    ok,
    post,
)
from tests.api.submissions import (
    MATERIALS,
    PUBLIC_SUBMISSIONS,
    SUBMISSIONS,
    case_path,
    multipart,
    submission_form,
    submit,
    submitted,
    uploads,
)
from tests.api.test_public_progress import lookup

pytestmark = pytest.mark.usefixtures("projector")

CORRECTIONS = {
    "reason": "材料需补正",
    "corrections": [{"material": MATERIALS[0], "reason": "申请书未加盖公章"}],
}


@pytest.fixture(autouse=True)
def no_limits_on_record(client: TestClient) -> Iterator[None]:
    """Each test starts with no failed lookups or submissions counted."""
    yield
    with client.app.state.reads.pool.connection() as conn:  # type: ignore[attr-defined]
        conn.execute(f"DELETE FROM {API_SCHEMA}.lookup_failures")


def stored_documents(client: TestClient) -> int:
    url = client.app.state.services.url  # type: ignore[attr-defined]
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {SCHEMA}.documents").fetchone()
    assert row is not None
    return int(row[0])


def follow(client: TestClient, receipt: dict[str, Any]) -> dict[str, Any]:
    number, code = receipt["submission_number"], receipt["query_code"]
    return ok(client.get(f"{PUBLIC_SUBMISSIONS}/{number}", params={"query_code": code}))


def resubmit(
    client: TestClient,
    receipt: dict[str, Any],
    files: list[tuple[str, str, bytes]],
    **headers: str,
) -> Any:
    data, parts = multipart(files, query_code=receipt["query_code"])
    return client.post(
        f"{PUBLIC_SUBMISSIONS}/{receipt['submission_number']}/resubmit",
        data=data,
        files=parts,
        headers=headers,
    )


def test_an_applicant_submits_without_a_token_and_the_files_are_stored_by_hash(
    client: TestClient,
) -> None:
    files = uploads(1)
    response = submit(client, 1, files)
    receipt = ok(response, 201)
    assert response.headers["location"].endswith(receipt["submission_number"])
    assert response.headers["cache-control"] == "no-store"
    assert receipt["status"] == "submitted"
    assert receipt["query_code"]
    store = client.app.state.services.documents  # type: ignore[attr-defined]
    refs = {m["material"]: m["documents"][0] for m in receipt["materials"]}
    for material, name, content in files:
        ref = refs[material]
        # Named as sent, typed by the bytes (every part was octet-stream).
        assert (ref["sha256"], ref["size"], ref["name"]) == (
            content_address(content),
            len(content),
            name,
        )
        assert store.get(ref["sha256"]) == content
    assert [refs[m]["media_type"] for m in MATERIALS] == [
        "application/pdf",
        "image/png",
        "image/jpeg",
    ]


def test_pre_review_from_corrections_to_a_received_application_with_one_query_code(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    receipt = submitted(client, 2)
    path = case_path(receipt["submission_number"])

    replied = ok(post(client, f"{path}/request-corrections", clerk, CORRECTIONS))
    assert replied["status"] == "corrections_requested"
    seen = follow(client, receipt)
    assert (seen["status"], seen["reply"]) == ("corrections_requested", "材料需补正")
    assert seen["corrections"] == CORRECTIONS["corrections"]

    old = receipt["materials"][0]["documents"][0]["sha256"]
    fixed = pdf("application 2, sealed")
    ok(resubmit(client, receipt, [(MATERIALS[0], "申请书-盖章.pdf", fixed)]))
    current = ok(client.get(path, headers=clerk.headers))
    assert current["status"] == "resubmitted"
    assert current["materials"][0]["documents"][0]["sha256"] == content_address(fixed)
    assert old in {d["sha256"] for v in current["versions"] for d in v["documents"]}

    accepted = ok(post(client, f"{path}/accept", clerk))
    assert accepted["status"] == "accepted"
    number = accepted["receipt_number"]
    assert number == receipt["submission_number"]
    application = ok(
        client.get(
            f"{APPLICATIONS}/{accepted['application_id']}", headers=clerk.headers
        )
    )
    assert application["channel"] == "online"
    assert application["status"] == "received"
    assert application["materials"] == MATERIALS
    assert application["submission_number"] == receipt["submission_number"]
    assert application["material_documents"] == current["materials"]
    assert application["applicant"]["uscc"] == current["applicant"]["uscc"]

    # One query code: the public progress lookup and the submission both answer.
    position = accepted["position"]
    progress = ok(lookup(client, number, receipt["query_code"], position))
    assert progress["receipt_number"] == number
    seen = ok(
        client.get(
            f"{PUBLIC_SUBMISSIONS}/{number}",
            params={"query_code": receipt["query_code"], "consistent_after": position},
        )
    )
    assert seen["receipt_number"] == number
    assert seen["application"]["receipt_number"] == number


def test_staff_list_submissions_of_their_jurisdiction_by_status(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = submitted(client, 3)
    number = receipt["submission_number"]
    token = f"licensing:{log_head(client)}"

    def listed(who: Role, unit: str) -> set[str]:
        params = {"status": "submitted", "consistent_after": token, "limit": 200}
        deadline = time.monotonic() + 60
        # 503 until the projector has built the model (it starts with the test).
        while True:
            response = client.get(
                SUBMISSIONS, params=params, headers=staff[(who, unit)].headers
            )
            if response.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return {s["submission_number"] for s in ok(response)["items"]}

    assert number in listed(Role.CLERK, COUNTY)
    assert number in listed(Role.REVIEWER, CITY)
    assert number in listed(Role.AUDITOR, OTHER_COUNTY)
    assert number not in listed(Role.CLERK, OTHER_COUNTY)


def test_a_submission_not_this_bureaus_matter_is_closed_with_reasons(
    client: TestClient, staff: StaffBook
) -> None:
    clerk = staff[(Role.CLERK, COUNTY)]
    receipt = submitted(client, 4)
    path = case_path(receipt["submission_number"])
    assert_problem(post(client, f"{path}/close", clerk, {}), 422, "invalid-input")
    closed = ok(
        post(client, f"{path}/close", clerk, {"reason": "不属于本局职权，请向省局申请"})
    )
    assert closed["status"] == "closed"
    assert follow(client, receipt)["reply"] == "不属于本局职权，请向省局申请"
    assert_problem(post(client, f"{path}/accept", clerk), 409, "illegal-transition")
    head = log_head(client)
    assert_problem(
        resubmit(client, receipt, [(MATERIALS[0], "a.pdf", pdf("late"))]),
        409,
        "illegal-transition",
    )
    assert log_head(client) == head


def test_a_stale_if_match_on_resubmission_is_412_and_stores_nothing(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = submitted(client, 5)
    path = case_path(receipt["submission_number"])
    ok(
        post(
            client,
            f"{path}/request-corrections",
            staff[(Role.CLERK, COUNTY)],
            CORRECTIONS,
        )
    )
    documents = stored_documents(client)
    response = resubmit(
        client,
        receipt,
        [(MATERIALS[0], "a.pdf", pdf("stale 5"))],
        **{"If-Match": '"1"'},
    )
    assert_problem(response, 412, "stale-version")
    assert stored_documents(client) == documents


def test_a_retried_submission_with_the_same_idempotency_key_is_the_first(
    client: TestClient,
) -> None:
    # A retry resends the same bytes (a multipart boundary is part of them).
    data, parts = multipart(uploads(6), submission=submission_form(6))
    request = client.build_request(
        "POST",
        PUBLIC_SUBMISSIONS,
        data=data,
        files=parts,
        headers={"Idempotency-Key": "online-submission-6"},
    )
    first = ok(client.send(request), 201)
    head = log_head(client)
    again = client.send(request)
    assert ok(again, 201)["submission_number"] == first["submission_number"]
    assert again.headers["idempotent-replayed"] == "true"
    assert log_head(client) == head


# -- hostile input -------------------------------------------------------------------


def set_limits(client: TestClient, **limits: int) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    client.app.state.settings = dataclasses.replace(settings, **limits)  # type: ignore[attr-defined]


@pytest.fixture
def restore_limits(client: TestClient) -> Iterator[None]:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    yield
    client.app.state.settings = settings  # type: ignore[attr-defined]


GOOD = uploads(99)
HOSTILE: dict[str, tuple[list[tuple[str, str, bytes]], dict[str, Any], int, str]] = {
    "wrong magic": (
        [*GOOD[:2], (MATERIALS[2], "photo.jpg", b"GIF89a not a jpeg")],
        {},
        422,
        "file[2]",
    ),
    "polyglot": (
        [*GOOD[:2], (MATERIALS[2], "x.jpg", b"\xff\xd8\xff %PDF-1.4 \xff\xd9")],
        {},
        422,
        "file[2]",
    ),
    "zip appended": (
        [(MATERIALS[0], "a.pdf", pdf() + b"PK\x03\x04"), *GOOD[1:]],
        {},
        422,
        "file[0]",
    ),
    "zero bytes": ([*GOOD[:2], (MATERIALS[2], "empty.jpg", b"")], {}, 422, "file[2]"),
    "path in the name": (
        [(MATERIALS[0], "../../etc/passwd", pdf()), *GOOD[1:]],
        {},
        422,
        "file[0]",
    ),
    "control character in the name": (
        [(MATERIALS[0], "a\x1b[31m.pdf", pdf()), *GOOD[1:]],
        {},
        422,
        "file[0]",
    ),
    "material not of the item": (
        [*GOOD[:2], ("营业执照", "licence.png", png(1, 1, 7))],
        {},
        422,
        "materials",
    ),
    "unknown unit": (GOOD, {"unit_code": "320899"}, 422, "unit_code"),
    "bad applicant": (
        GOOD,
        {"applicant": {"name": "x"}},
        422,
        "submission.applicant.region_code",
    ),
    "unknown item": (GOOD, {"item_code": "XK-NONE"}, 404, ""),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_input_is_refused_clearly_and_stores_and_records_nothing(
    client: TestClient, case: str
) -> None:
    files, overrides, status, field = HOSTILE[case]
    head, documents = log_head(client), stored_documents(client)
    response = submit(client, 99, files, **overrides)
    body = assert_problem(
        response, status, "not-found" if status == 404 else "invalid-input"
    )
    if status == 422:
        assert field in field_errors(body)
    assert (log_head(client), stored_documents(client)) == (head, documents)


@pytest.mark.usefixtures("restore_limits")
@pytest.mark.parametrize(
    ("limits", "slug"),
    [
        ({"upload_file_bytes": 100}, "file-too-large"),
        ({"upload_total_bytes": 200}, "submission-too-large"),
        ({"upload_files": 2}, "too-many-files"),
    ],
)
def test_files_over_the_limits_are_413_and_nothing_is_stored(
    client: TestClient, limits: dict[str, int], slug: str
) -> None:
    set_limits(client, **limits)
    head, documents = log_head(client), stored_documents(client)
    assert_problem(submit(client, 98), 413, slug)
    assert (log_head(client), stored_documents(client)) == (head, documents)


def test_each_file_needs_its_material(client: TestClient) -> None:
    data, parts = multipart(uploads(97), submission=submission_form(97))
    data["material"] = MATERIALS[:2]
    head = log_head(client)
    body = assert_problem(
        client.post(PUBLIC_SUBMISSIONS, data=data, files=parts), 422, "invalid-input"
    )
    assert "material" in field_errors(body)
    assert log_head(client) == head


# -- downloads -------------------------------------------------------------------------


def test_documents_download_as_attachments_with_their_type_and_hash(
    client: TestClient, staff: StaffBook
) -> None:
    receipt = submitted(client, 8)
    ref = receipt["materials"][1]["documents"][0]
    sha = ref["sha256"]
    staff_url = f"{case_path(receipt['submission_number'])}/documents/{sha}"
    public_url = f"{PUBLIC_SUBMISSIONS}/{receipt['submission_number']}/documents/{sha}"
    for response in (
        client.get(staff_url, headers=staff[(Role.REVIEWER, CITY)].headers),
        client.get(public_url, params={"query_code": receipt["query_code"]}),
    ):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
        assert response.headers["etag"] == f'"{sha}"'
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"].startswith("attachment;")
        assert content_address(response.content) == sha


def test_documents_are_only_for_staff_in_jurisdiction_and_the_applicants_own(
    client: TestClient, staff: StaffBook
) -> None:
    mine, other = submitted(client, 9), submitted(client, 10)
    sha = mine["materials"][0]["documents"][0]["sha256"]
    theirs = other["materials"][0]["documents"][0]["sha256"]
    number = mine["submission_number"]
    staff_url = f"{case_path(number)}/documents/{sha}"
    assert_problem(
        client.get(staff_url, headers=staff[(Role.CLERK, OTHER_COUNTY)].headers),
        403,
        "forbidden",
    )
    assert_problem(client.get(staff_url), 401, "unauthenticated")
    public_url = f"{PUBLIC_SUBMISSIONS}/{number}/documents"
    code = {"query_code": mine["query_code"]}
    assert_problem(
        client.get(f"{public_url}/{sha}", params={"query_code": other["query_code"]}),
        404,
        "not-found",
    )
    assert_problem(client.get(f"{public_url}/{theirs}", params=code), 404, "not-found")
