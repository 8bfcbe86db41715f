"""Online submissions (网上申报) as the applicant sends them: multipart forms."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient

from domain.licensing.submission import submission_id
from tests.api.conftest import COUNTY, applicant
from tests.api.files import jpeg, pdf, png

SUBMISSIONS = "/v1/licensing/submissions"
PUBLIC_SUBMISSIONS = "/public/v1/licensing/submissions"
# 计量器具型式批准: standard only; three materials, one of them photos.
ITEM = "XK-JL-XSPZ"
MATERIALS = ["型式批准申请书", "型式评价报告", "产品照片"]

# Bodies of staff's pre-review replies, by verb.
SUBMISSION_BODIES: dict[str, dict[str, Any] | None] = {
    "request-corrections": {
        "reason": "材料需补正",
        "corrections": [{"material": "型式批准申请书", "reason": "申请书未加盖公章"}],
    },
    "accept": None,
    "close": {"reason": "不属于本局职权"},
}

Upload = tuple[str, str, bytes]  # (material, file name, bytes)


def uploads(seed: int) -> list[Upload]:
    """One file per material of ITEM, each of a different type, unique to `seed`."""
    return [
        (MATERIALS[0], "申请书.pdf", pdf(f"application {seed}")),
        (MATERIALS[1], "评价报告.png", png(2, 2, seed)),
        (MATERIALS[2], "照片.jpg", jpeg(seed)),
    ]


def multipart(
    files: list[Upload], **fields: str
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The form's fields and parts, files declared as octet-stream (the
    declared type is never trusted anyway)."""
    data: dict[str, Any] = {**fields, "material": [m for m, _, _ in files]}
    parts = [
        ("file", (name, content, "application/octet-stream"))
        for _, name, content in files
    ]
    return data, parts


def submission_form(seed: int, **overrides: Any) -> str:
    return json.dumps(
        {
            "unit_code": COUNTY,
            "item_code": ITEM,
            "applicant": applicant(seed),
            **overrides,
        },
        ensure_ascii=False,
    )


def submit(
    client: TestClient,
    seed: int,
    files: list[Upload] | None = None,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    data, parts = multipart(
        uploads(seed) if files is None else files,
        submission=submission_form(seed, **overrides),
    )
    return client.post(PUBLIC_SUBMISSIONS, data=data, files=parts, headers=headers)


def submitted(client: TestClient, seed: int) -> dict[str, Any]:
    response = submit(client, seed)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def case_path(number: str) -> str:
    """Staff's path of a submission (its id follows from its number)."""
    return f"{SUBMISSIONS}/{submission_id(number)}"
