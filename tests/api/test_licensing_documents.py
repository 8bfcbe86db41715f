"""Written notices and certificates as PDF (行政许可法 Arts. 32, 38, 44):
rendered from the case's events, reproducible to the byte, stored by content
address, recorded once, served to staff and to the applicant, and checked by
anyone holding the QR code (电子证照核验) — with the ledger's proof.

Every page of every kind is rendered to PNG in tests/artifacts/pdfs/ (to be
looked at) and its text extracted, as a person would read it."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pypdfium2 as pdfium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.audit.keys import ledger_key
from api.audit.signer import CheckpointSigner
from api.host.settings import Settings
from api.host.storage import Services
from api.licensing import service as licensing_service
from api.licensing.documents.issue import case_facts, issue, verification_url
from api.licensing.documents.pdf import FontMissingError, register_font, render
from api.licensing.documents.sheets import compose
from domain.licensing.application import LicenceApplication
from domain.licensing.documents import DocumentKind, source_of
from domain.shared.audit import Role
from domain.shared.documents import content_address
from projections.runtime import Projector, wait_until
from tests.api.conftest import COUNTY, OTHER_COUNTY, Staff, applicant, receive
from tests.api.helpers import APPLICATIONS, assert_problem

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "pdfs"
StaffBook = dict[tuple[Role, str], Staff]
REMEDY = ("60日内", "行政复议", "6个月内", "行政诉讼")
DAY = "2026年11月23日"  # the tests' Monday, the date every decision bears
GRANT = {
    "decision_number": "淮区市监许〔2026〕7号",
    "scope": "乘客电梯 1 台（注册代码 31103208032026）",
    "reason": "材料齐全，符合法定条件",
}
REFUSE = {
    "decision_number": "淮区市监不许〔2026〕3号",
    "reasons": ["监督检验证明与设备铭牌不符", "安装告知书未加盖安装单位公章"],
    "technical_standard": "TSG 08-2017 特种设备使用管理规则",
    "reason": "不符合法定条件",
}


def act(client: TestClient, case: str, verb: str, who: Staff, body: Any = None) -> None:
    r = client.post(f"{case}/{verb}", json=body, headers=who.headers)
    assert r.status_code == 200, r.text


def pdf_of(client: TestClient, case: str, kind: str, who: Staff) -> bytes:
    r = client.get(f"{case}/documents/{kind}", headers=who.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["etag"] == f'"{content_address(r.content)}"'
    return r.content


def looked_at(kind: str, content: bytes) -> str:
    """Each page to PNG (tests/artifacts/pdfs/<kind>-<page>.png); the text."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(content)
    for number, page in enumerate(document, start=1):
        image = page.render(scale=2).to_pil()
        assert image.size[0] > 1000  # A4 at 144 dpi: a page a person can read
        image.save(ARTIFACTS / f"{kind}-{number}.png")
    # Short notices fit one page (no page holding only the signature).
    assert len(document) == 1, (kind, len(document))
    reader = PdfReader(io.BytesIO(content))
    return "".join(p.extract_text() for p in reader.pages).replace("\n", "")


@pytest.fixture
def clerk(staff: StaffBook) -> Staff:
    return staff[(Role.CLERK, COUNTY)]


@pytest.fixture
def approver(staff: StaffBook) -> Staff:
    return staff[(Role.APPROVER, COUNTY)]


@pytest.fixture
def served(
    client: TestClient, clerk: Staff, approver: Staff
) -> tuple[str, dict[str, Any]]:
    """A case accepted, granted, its certificate issued and served."""
    created = receive(client, clerk, applicant=applicant(seed=1401))
    case = f"{APPLICATIONS}/{created['id']}"
    act(client, case, "accept", clerk)
    act(client, case, "grant", approver, GRANT)
    act(client, case, "issue-certificate", clerk)
    act(client, case, "serve-certificate", clerk, {"method": "in_person"})
    return case, created


def test_each_kind_reads_in_chinese_with_the_cases_numbers_dates_and_url(
    client: TestClient,
    clerk: Staff,
    approver: Staff,
    served: tuple[str, dict[str, Any]],
) -> None:
    case, created = served
    receipt = created["receipt_number"]
    common = (receipt, DAY, "淮安测试机械有限公司1401", "淮安区市场监督管理局")
    texts = {
        kind: looked_at(kind, pdf_of(client, case, kind, clerk))
        for kind in (
            "acceptance_notice",
            "grant_decision",
            "certificate",
            "proof_of_service",
        )
    }
    for kind, text in texts.items():
        for expected in (*common, "扫码核验本", "/licensing/documents/", "核验码："):
            assert expected in text, (kind, expected)
    assert "受理通知书" in texts["acceptance_notice"]
    assert "第三十二条第一款第五项" in texts["acceptance_notice"]
    grant = texts["grant_decision"]
    assert "准予行政许可决定书" in grant
    assert GRANT["decision_number"] in grant
    assert all(words in grant for words in REMEDY)
    certificate = texts["certificate"]
    assert "特种设备使用登记证" in certificate  # the item's certificate name
    assert f"{receipt}-ZS" in certificate
    assert "乘客电梯 1 台" in certificate
    assert "送达回证" in texts["proof_of_service"]
    assert "直接送达" in texts["proof_of_service"]


def test_the_correction_notice_lists_every_missing_material_once(
    client: TestClient, clerk: Staff
) -> None:
    missing = ["产品合格证", "监督检验证明", "安装告知书"]
    created = receive(client, clerk, applicant=applicant(seed=1402))
    case = f"{APPLICATIONS}/{created['id']}"
    act(
        client,
        case,
        "request-correction",
        clerk,
        {"missing_items": missing, "reason": "材料不全"},
    )
    text = looked_at(
        "correction_notice", pdf_of(client, case, "correction_notice", clerk)
    )
    assert "补正材料通知书" in text
    assert "一次告知" in text
    for number, item in enumerate(missing, start=1):
        assert f"{number}．{item}" in text
    assert created["receipt_number"] in text


def test_refusal_and_non_acceptance_give_reasons_and_the_remedies(
    client: TestClient, clerk: Staff, approver: Staff
) -> None:
    refused = (
        f"{APPLICATIONS}/{receive(client, clerk, applicant=applicant(seed=1403))['id']}"
    )
    act(client, refused, "accept", clerk)
    act(client, refused, "refuse", approver, REFUSE)
    text = looked_at(
        "refusal_decision", pdf_of(client, refused, "refusal_decision", clerk)
    )
    assert "不予行政许可决定书" in text
    assert REFUSE["decision_number"] in text
    for reason in REFUSE["reasons"]:
        assert reason in text
    assert "TSG 08-2017" in text
    assert all(words in text for words in REMEDY)
    rejected = (
        f"{APPLICATIONS}/{receive(client, clerk, applicant=applicant(seed=1404))['id']}"
    )
    act(
        client,
        rejected,
        "reject",
        clerk,
        {
            "ground": "outside_powers",
            "redirect_to": "淮安市应急管理局",
            "reason": "不属于本机关职权",
        },
    )
    text = looked_at(
        "non_acceptance_decision",
        pdf_of(client, rejected, "non_acceptance_decision", clerk),
    )
    assert "不予受理决定书" in text
    assert "不属于本机关职权范围" in text
    assert "请向淮安市应急管理局提出申请" in text
    assert all(words in text for words in REMEDY)


def test_the_same_events_give_the_same_bytes_and_record_it_once(
    client: TestClient,
    clerk: Staff,
    services: Services,
    served: tuple[str, dict[str, Any]],
) -> None:
    case, created = served
    first = pdf_of(client, case, "certificate", clerk)
    version = client.get(case, headers=clerk.headers).headers["etag"]
    assert pdf_of(client, case, "certificate", clerk) == first
    # Rendered again from the events as a fresh load reads them: the same bytes.
    licensing = licensing_service(services)
    application = licensing.get_application(created["id"])
    events = licensing.history(application.id)
    held = application.documents[DocumentKind.CERTIFICATE]
    url = verification_url(Settings().public_url, held.verification_code)
    facts = case_facts(licensing, application, events, url)
    sheet = compose(
        DocumentKind.CERTIFICATE, facts, source_of(events, DocumentKind.CERTIFICATE)
    )
    assert render(sheet) == render(sheet) == first
    # The stored bytes lost: asked again, rendered again, identical, nothing new.
    with psycopg.connect(services.url, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM casetrace_documents.documents WHERE sha256 = %s",
            (content_address(first),),
        )
    assert pdf_of(client, case, "certificate", clerk) == first
    assert client.get(case, headers=clerk.headers).headers["etag"] == version
    history = client.get(f"{case}/history", headers=clerk.headers).json()["events"]
    issued = [e for e in history if e["type"] == "DocumentIssued"]
    assert len(issued) == 1
    assert issued[0]["actor"]["id"] == "system:documents"
    assert content_address(first) in issued[0]["summary"]
    assert services.documents.get(content_address(first)) == first


def test_a_document_the_case_does_not_have_yet_is_a_404_problem(
    client: TestClient, clerk: Staff
) -> None:
    case = (
        f"{APPLICATIONS}/{receive(client, clerk, applicant=applicant(seed=1405))['id']}"
    )
    r = client.get(f"{case}/documents/certificate", headers=clerk.headers)
    assert_problem(r, 404, "not-found", detail="certificate")
    r = client.get(f"{case}/documents/no_such_kind", headers=clerk.headers)
    assert r.status_code == 422
    history = client.get(f"{case}/history", headers=clerk.headers).json()["events"]
    assert [e["type"] for e in history] == ["Received"]


def test_an_etag_held_is_answered_304(
    client: TestClient, clerk: Staff, served: tuple[str, dict[str, Any]]
) -> None:
    case, _ = served
    first = client.get(f"{case}/documents/grant_decision", headers=clerk.headers)
    again = client.get(
        f"{case}/documents/grant_decision",
        headers={**clerk.headers, "If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.content == b""


def test_the_applicant_gets_their_own_with_the_query_code_and_no_one_else(
    client: TestClient,
    clerk: Staff,
    served: tuple[str, dict[str, Any]],
    staff: StaffBook,
) -> None:
    case, created = served
    staff_copy = pdf_of(client, case, "certificate", clerk)
    own = {
        "receipt_number": created["receipt_number"],
        "query_code": created["query_code"],
    }
    r = client.get("/public/v1/progress/documents/certificate", params=own)
    assert r.status_code == 200, r.text
    assert r.content == staff_copy
    wrong = {**own, "query_code": "WRONG-CODE"}
    r = client.get("/public/v1/progress/documents/certificate", params=wrong)
    assert_problem(r, 404, "not-found", detail="receipt number and query code")
    r = client.get(
        f"{case}/documents/certificate",
        headers=staff[(Role.CLERK, OTHER_COUNTY)].headers,
    )
    assert_problem(r, 403, "forbidden", detail="outside your jurisdiction")
    r = client.get(f"{case}/documents/certificate")
    assert_problem(r, 401, "unauthenticated")


def code_of(client: TestClient, case: str, who: Staff, kind: str) -> str:
    """The verification code as printed under the QR code."""
    text = looked_at(kind, pdf_of(client, case, kind, who))
    return text.split("核验码：", 1)[1][:64]


def checked(client: TestClient, code: str) -> dict[str, Any]:
    r = client.get(f"/public/v1/licensing/documents/{code}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_anyone_with_the_qr_code_sees_the_certificate_is_genuine_and_its_status(
    client: TestClient,
    clerk: Staff,
    approver: Staff,
    served: tuple[str, dict[str, Any]],
    projector: Projector,
) -> None:
    case, created = served
    content = pdf_of(client, case, "certificate", clerk)
    code = code_of(client, case, clerk, "certificate")
    assert len(code) == 64
    assert wait_until(
        lambda: client.get(f"/public/v1/licensing/documents/{code}").status_code == 200,
        10,
    )
    body = checked(client, code)
    assert body["genuine"] is True
    assert body["kind"] == "certificate"
    assert body["document"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["certificate_number"] == f"{created['receipt_number']}-ZS"
    assert body["licence"]["status"] == "valid"
    assert body["licence"]["valid"] is True
    page = client.get(f"/licensing/documents/{code}")
    assert page.status_code == 200
    assert "真实有效" in page.text
    assert body["document"]["sha256"] in page.text
    licence = client.get(case, headers=clerk.headers).json()["licence_id"]
    r = client.post(
        f"/v1/licensing/licences/{licence}/revoke",
        json={"ground": "procedure_violated", "reason": "违反法定程序作出"},
        headers=approver.headers,
    )
    assert r.status_code == 200, r.text

    def revoked() -> bool:
        return bool(checked(client, code)["licence"]["status"] == "revoked")

    assert wait_until(revoked, 10)
    assert checked(client, code)["licence"]["valid"] is False
    assert "已撤销" in client.get(f"/licensing/documents/{code}").text


@pytest.mark.parametrize(
    "forge",
    [
        lambda code: code[:-1] + ("0" if code[-1] != "0" else "1"),  # one digit off
        lambda code: code[:32] + "0" * 32,  # the right case, a made-up token
        lambda code: "0" * 64,  # nothing of ours
    ],
    ids=["one-digit-off", "made-up-token", "unknown-case"],
)
def test_a_forged_or_unknown_code_is_a_404_problem(
    client: TestClient,
    clerk: Staff,
    served: tuple[str, dict[str, Any]],
    forge: Callable[[str], str],
) -> None:
    case, _ = served
    forged = forge(code_of(client, case, clerk, "certificate"))
    assert_problem(
        client.get(f"/public/v1/licensing/documents/{forged}"), 404, "not-found"
    )
    assert client.get(f"/licensing/documents/{forged}").status_code == 404
    r = client.get("/public/v1/licensing/documents/not-a-code")
    assert r.status_code == 422


def _prefixed(data: bytes, width: int) -> bytes:
    return len(data).to_bytes(width, "big") + data


def _leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2, written here from the RFC (not the ledger's code)."""
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise AssertionError("proof too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return r


def test_the_check_proves_the_certificate_event_in_the_signed_ledger(
    client: TestClient,
    clerk: Staff,
    services: Services,
    served: tuple[str, dict[str, Any]],
    projector: Projector,
) -> None:
    case, _ = served
    content = pdf_of(client, case, "certificate", clerk)
    code = code_of(client, case, clerk, "certificate")
    signer = CheckpointSigner(services.url, ledger_key(Settings()), services.logs())

    def proved() -> bool:
        signer.sign_due(force=True)
        r = client.get(f"/public/v1/licensing/documents/{code}")
        return r.status_code == 200 and r.json()["ledger"] is not None

    assert wait_until(proved, 15)
    proof = checked(client, code)["ledger"]
    note = proof["checkpoint"]
    body, _, signatures = note.partition("\n\n")
    origin, size, root = body.split("\n")[:3]
    assert origin.endswith("/licensing")
    assert int(size) == proof["tree_size"]
    # The note is signed by the ledger's published key (C2SP signed note).
    key = client.get("/public/v1/ledger/key").json()
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    signature = base64.b64decode(signatures.split()[-1])[4:]
    public.verify(signature, (body + "\n").encode())
    # The leaf is the stored DocumentIssued event, which holds the PDF's hash,
    # encoded as the README's leaf entry and hashed as RFC 6962 does.
    with psycopg.connect(services.url) as conn:
        row = conn.execute(
            "SELECT topic, originator_id, originator_version, state"
            " FROM licensing_events WHERE notification_id = %s",
            (proof["position"],),
            binary=True,
        ).fetchone()
    assert row is not None
    topic, originator, version, state = row
    assert topic.endswith("LicenceApplication.DocumentIssued")
    assert content_address(content).encode() in bytes(state)
    entry = b"".join(
        [
            b"\x01",
            _prefixed(b"licensing", 1),
            proof["position"].to_bytes(8, "big"),
            _prefixed(topic.encode(), 2),
            _prefixed(str(originator).encode(), 1),
            version.to_bytes(8, "big"),
            _prefixed(bytes(state), 4),
        ]
    )
    assert _leaf(entry) == base64.b64decode(proof["leaf_hash"])
    leaf = base64.b64decode(proof["leaf_hash"])
    path = [base64.b64decode(h) for h in proof["proof"]]
    assert root_from_proof(leaf, proof["leaf_index"], proof["tree_size"], path) == (
        base64.b64decode(root)
    )


def test_two_first_requests_at_once_issue_the_document_once(
    client: TestClient, clerk: Staff, services: Services
) -> None:
    case = (
        f"{APPLICATIONS}/{receive(client, clerk, applicant=applicant(seed=1406))['id']}"
    )
    act(client, case, "accept", clerk)
    case_id = UUID(case.rsplit("/", 1)[-1])
    licensing = licensing_service(services)

    def first(n: int) -> bytes:
        kind = DocumentKind.ACCEPTANCE_NOTICE
        url = Settings().public_url
        return issue(
            licensing, services.documents, case_id, kind, url, f"race-{n}"
        ).content

    with ThreadPoolExecutor(2) as pool:
        one, two = pool.map(first, range(2))
    assert one == two
    events = licensing.history(case_id)
    issued = [e for e in events if isinstance(e, LicenceApplication.DocumentIssued)]
    assert len(issued) == 1
    assert issued[0].document.sha256 == content_address(one)


def test_without_a_cjk_font_the_server_refuses_to_start_and_says_why() -> None:
    with pytest.raises(FontMissingError, match="fonts-wqy-microhei"):
        register_font(Path("/nonexistent/no-such-font.ttf"))


def test_the_check_withholds_a_natural_persons_name_and_number(
    client: TestClient, clerk: Staff, approver: Staff, projector: Projector
) -> None:
    person = applicant(
        seed=1407,
        party_type="natural_person",
        uscc=None,
        name="王小明",
        id_document_number="320803199001011234",
    )
    case = f"{APPLICATIONS}/{receive(client, clerk, applicant=person)['id']}"
    act(client, case, "accept", clerk)
    code = code_of(client, case, clerk, "acceptance_notice")
    body = checked(client, code)
    assert body["kind"] == "acceptance_notice"
    assert body["applicant"] == {"name": None, "uscc": None}
    assert body["licence"] is None
    page = client.get(f"/licensing/documents/{code}").text
    assert "王小明" not in page
    assert "320803199001011234" not in page
