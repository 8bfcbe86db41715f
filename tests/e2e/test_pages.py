"""The public web pages in a real browser: Debian's Chromium (never one
downloaded) driven by Playwright, against `casetrace serve` as its own
process on a fresh database with the demo's units and staff.

Each test fills a form as a person would, reads what the page answers (the
query code a receipt shows is then used on the progress page), and checks
what every page must do: lang="zh-CN", one h1, the keyboard reaches the
fields, no horizontal scrolling on a 375 px phone, and no request to any
host but the service. Screenshots go to tests/artifacts/screenshots/
(git-ignored); a few are copied by hand into docs/screenshots/ for the README.

scripts/test installs `chromium` and `fonts-noto-cjk` when missing
(scripts/browser.sh); without them the tests skip, saying why, except under
CI, where they fail.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from pypdf import PdfReader

from tests.conftest import another_database
from tests.e2e.served import (
    applicant,
    cli,
    free_port,
    receive_application,
    served,
    server_env,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parents[1] / "artifacts" / "screenshots"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
COUNTY = "320803"  # the demo's 淮安区 unit


def _browser_or_skip() -> None:
    reason = os.environ.get("CASETRACE_BROWSER_SKIP") or (
        None
        if CHROMIUM.exists()
        else f"{CHROMIUM} is missing: run `bash scripts/browser.sh` (apt-get"
        " install chromium fonts-noto-cjk), as scripts/test does"
    )
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests cannot run in CI: {reason}")
    pytest.skip(f"the browser tests cannot run: {reason}")


@dataclass
class Site:
    base: str
    clerk_token: str
    browser: object  # playwright's Browser
    approver_token: str = ""
    seen: list[str] = field(default_factory=list)

    def page(self, viewport: dict[str, int] = DESKTOP) -> object:
        """A new page that records every URL it requests."""
        context = self.browser.new_context(  # type: ignore[attr-defined]
            viewport=viewport, locale="zh-CN"
        )
        page = context.new_page()
        page.on("request", lambda request: self.seen.append(request.url))
        return page


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _browser_or_skip()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("pages")
    with another_database(database_url) as url:
        env = {
            **server_env(url, tmp, free_port()),
            "CASETRACE_CHECKPOINT_SECONDS": "1",
        }
        cli(env, "demo", timeout=180)
        tokens = (tmp / "demo-tokens.txt").read_text().splitlines()
        token, approver = (
            next(
                line.split("token ")[-1].strip()
                for line in tokens
                if line.startswith(role) and f"unit {COUNTY}" in line
            )
            for role in ("clerk", "approver")
        )
        with (
            served(env, tmp / "server.log") as (base, _),
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
            try:
                yield Site(base, token, browser, approver)
            finally:
                browser.close()


@pytest.fixture(autouse=True)
def _only_the_service(site: Site) -> Iterator[None]:
    """No page may load anything from anywhere else (CDN, fonts, analytics)."""
    site.seen.clear()
    yield
    service = urlsplit(site.base).netloc
    elsewhere = [url for url in site.seen if urlsplit(url).netloc != service]
    assert not elsewhere, elsewhere
    assert site.seen  # the pages were really requested


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def check_page(page: object) -> None:
    """What every page must be: Chinese, one h1, the service's own CSS."""
    assert page.get_attribute("html", "lang") == "zh-CN"  # type: ignore[attr-defined]
    assert page.locator("h1").count() == 1  # type: ignore[attr-defined]
    assert page.locator("header").count() == 1  # type: ignore[attr-defined]
    assert page.locator("nav").count() >= 1  # type: ignore[attr-defined]
    assert page.locator("main").count() == 1  # type: ignore[attr-defined]
    assert page.locator("footer").count() == 1  # type: ignore[attr-defined]
    font = page.evaluate("getComputedStyle(document.body).fontFamily")  # type: ignore[attr-defined]
    assert "Noto Sans CJK SC" in font


def no_horizontal_scroll(page: object) -> None:
    width = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width[0] <= width[1], f"page is {width[0]} px wide on a {width[1]} px phone"


def tab_to(page: object, selector: str, most: int = 40) -> int:
    """Press Tab until `selector` has the focus; how many presses it took."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        if page.evaluate(  # type: ignore[attr-defined]
            "s => document.activeElement === document.querySelector(s)", selector
        ):
            return presses
    pytest.fail(f"Tab never reached {selector}")


def test_the_home_page_the_catalogue_and_an_item_s_notice(site: Site) -> None:
    page = site.page()
    page.goto(site.base + "/")  # type: ignore[attr-defined]
    check_page(page)
    shot(page, "home")
    assert tab_to(page, "a.skip") == 1  # the skip link comes first
    page.get_by_role("link", name="行政许可事项").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/licensing/items")  # type: ignore[attr-defined]
    check_page(page)
    page.get_by_role("link", name="特种设备使用登记").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/licensing/items/XK-TZSB-SYDJ")  # type: ignore[attr-defined]
    check_page(page)
    for heading in ("申请材料", "办理程序", "办理时限", "收费", "取得许可后的义务"):
        assert page.get_by_role("heading", name=heading).is_visible()  # type: ignore[attr-defined]
    shot(page, "licensing-notice")
    phone = site.page(PHONE)
    for path in ("/", "/licensing/items", "/licensing/items/XK-TZSB-SYDJ"):
        phone.goto(site.base + path)  # type: ignore[attr-defined]
        no_horizontal_scroll(phone)
    shot(phone, "licensing-notice-phone")


def _application(site: Site) -> tuple[str, str]:
    """An application received at the window: its receipt number and query
    code, once the public lookup can see it."""
    body = receive_application(site.base, site.clerk_token, 41)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # 503 until caught up; not a failure
        answer = httpx.get(
            f"{site.base}/public/v1/progress",
            params={
                "receipt_number": body["receipt_number"],
                "query_code": body["query_code"],
                "consistent_after": body["position"],
            },
        )
        if answer.status_code == 200:
            return body["receipt_number"], body["query_code"]
        time.sleep(0.2)
    pytest.fail(f"the lookup never found the application: {answer.text}")


def test_the_licensing_progress_lookup(site: Site) -> None:
    number, code = _application(site)
    page = site.page()
    page.goto(site.base + "/licensing/progress")  # type: ignore[attr-defined]
    check_page(page)
    tab_to(page, "#f-receipt_number")
    page.keyboard.type(number)  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    page.keyboard.type("WRON-GWRO-NGXX")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "没有找到" in page.locator("[role=alert]").inner_text()  # type: ignore[attr-defined]
    assert page.input_value("#f-receipt_number") == number  # type: ignore[attr-defined]
    page.fill("#f-query_code", code)  # type: ignore[attr-defined]
    page.get_by_role("button", name="查询").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    result = page.locator("section.receipt").inner_text()  # type: ignore[attr-defined]
    assert number in result
    assert "特种设备使用登记" in result
    shot(page, "licensing-progress")


def test_a_complaint_its_receipt_and_its_progress(site: Site) -> None:
    page = site.page(PHONE)
    page.goto(site.base + "/complaints/new")  # type: ignore[attr-defined]
    check_page(page)
    no_horizontal_scroll(page)
    tab_to(page, "#f-unit_code")
    outline = page.evaluate(  # type: ignore[attr-defined]
        "getComputedStyle(document.activeElement).outlineStyle"
    )
    assert outline == "solid"  # the focus is visible
    # Nothing filled in but a name: the errors, in Chinese, beside each field.
    page.fill("#f-respondent-name", "淮安区某某电器商行")  # type: ignore[attr-defined]
    page.get_by_role("button", name="提交").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    summary = page.locator("#error-summary")  # type: ignore[attr-defined]
    assert summary.is_visible()
    assert "事实和理由：请填写此项" in summary.inner_text()
    assert page.input_value("#f-respondent-name") == "淮安区某某电器商行"  # type: ignore[attr-defined]
    assert page.get_attribute("#f-facts", "aria-invalid") == "true"  # type: ignore[attr-defined]
    no_horizontal_scroll(page)
    shot(page, "complaint-errors-phone")
    summary.get_by_role("link", name=re.compile("事实和理由")).click()
    assert page.evaluate("location.hash") == "#f-facts"  # type: ignore[attr-defined]
    # Now properly.
    page.fill("#f-unit_code", COUNTY)  # type: ignore[attr-defined]
    page.check("#f-identity-named")  # type: ignore[attr-defined]
    page.fill("#f-submitter-person-name", "李四")  # type: ignore[attr-defined]
    page.fill("#f-submitter-person-phone", "13900001111")  # type: ignore[attr-defined]
    page.fill("#f-respondent-region_code", COUNTY)  # type: ignore[attr-defined]
    page.fill("#f-facts", "11月20日购买的电饭煲三天后无法加热，商家拒绝退货。")  # type: ignore[attr-defined]
    page.fill("#f-claim", "退货退款")  # type: ignore[attr-defined]
    page.get_by_role("button", name="提交").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    number = page.inner_text("#intake-number").strip()  # type: ignore[attr-defined]
    code = page.inner_text("#query-code").strip()  # type: ignore[attr-defined]
    assert re.fullmatch(r"[0-9]{20}", number), number
    assert code
    no_horizontal_scroll(page)
    shot(page, "complaint-receipt-phone")
    page.get_by_role("link", name="查询处理进度").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/complaints/progress")  # type: ignore[attr-defined]
    page.fill("#f-intake_number", number)  # type: ignore[attr-defined]
    page.fill("#f-query_code", code)  # type: ignore[attr-defined]
    page.get_by_role("button", name="查询").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert number in page.locator("section.receipt").inner_text()  # type: ignore[attr-defined]
    assert page.inner_text("#intake-status") == "已登记，等待处理"  # type: ignore[attr-defined]
    no_horizontal_scroll(page)
    shot(page, "complaint-progress-phone")


def test_a_nomination_you_point_we_check(site: Site) -> None:
    page = site.page()
    page.goto(site.base + "/inspections/nominate")  # type: ignore[attr-defined]
    check_page(page)
    tab_to(page, "#f-kind-product")
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    assert page.is_checked("#f-kind-product")  # type: ignore[attr-defined]
    page.fill("#f-subject", "某品牌电动自行车充电器")  # type: ignore[attr-defined]
    page.fill("#f-region_code", "淮安")  # type: ignore[attr-defined]
    page.fill("#f-reason", "使用中多次发热冒烟。")  # type: ignore[attr-defined]
    page.get_by_role("button", name="提交推荐").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "所在地行政区划代码：格式不正确" in page.inner_text("#error-summary")  # type: ignore[attr-defined]
    assert page.input_value("#f-subject") == "某品牌电动自行车充电器"  # type: ignore[attr-defined]
    page.fill("#f-region_code", COUNTY)  # type: ignore[attr-defined]
    page.get_by_role("button", name="提交推荐").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    number = page.inner_text("#nomination-number")  # type: ignore[attr-defined]
    assert re.fullmatch(r"DC[0-9]{14}", number), number
    shot(page, "nomination-receipt")
    found = httpx.get(f"{site.base}/public/v1/nominations/{number}")
    assert found.json()["subject"] == "某品牌电动自行车充电器"


def test_the_ledger_checkpoint_page(site: Site) -> None:
    _application(site)  # at least one event to sign
    page = site.page(PHONE)
    deadline = time.monotonic() + 60
    while True:
        page.goto(site.base + "/ledger")  # type: ignore[attr-defined]
        if page.locator("#log-licensing").count() or time.monotonic() > deadline:  # type: ignore[attr-defined]
            break
        time.sleep(1)
    check_page(page)
    assert page.locator("#log-licensing").count() == 1  # type: ignore[attr-defined]
    key = httpx.get(f"{site.base}/public/v1/ledger/key").json()
    assert page.inner_text("#public-key") == key["public_key"]  # type: ignore[attr-defined]
    note = httpx.get(f"{site.base}/public/v1/ledger/checkpoints").json()["items"]
    assert any(cp["root"] in page.content() for cp in note)  # type: ignore[attr-defined]
    no_horizontal_scroll(page)
    shot(page, "ledger-phone")


def _published(site: Site) -> dict[str, object]:
    """A decision the served process's publisher has published (the demo's)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        items = httpx.get(f"{site.base}/public/v1/disclosures").json()["items"]
        if items:
            return dict(items[0])
        time.sleep(1)
    pytest.fail("nothing was published within 60 s")


def test_the_disclosure_search_and_a_decision_s_page(site: Site) -> None:
    entry = _published(site)
    record = entry["record"]
    assert isinstance(record, dict)
    page = site.page()
    page.goto(site.base + "/disclosures")  # type: ignore[attr-defined]
    check_page(page)
    page.get_by_label("统一社会信用代码").fill("91320803000000019X")  # type: ignore[attr-defined]
    page.get_by_role("button", name="查询").click()  # type: ignore[attr-defined]
    assert page.locator(".error-summary").is_visible()  # type: ignore[attr-defined]
    assert "统一社会信用代码" in page.inner_text(".error-summary")  # type: ignore[attr-defined]
    page.get_by_label("统一社会信用代码").fill(str(record["uscc"] or ""))  # type: ignore[attr-defined]
    page.get_by_label("决定书文号").fill(str(record["decision_number"]))  # type: ignore[attr-defined]
    page.get_by_role("button", name="查询").click()  # type: ignore[attr-defined]
    link = page.locator("ol.results a").first  # type: ignore[attr-defined]
    assert str(record["decision_number"]) in link.inner_text()
    shot(page, "disclosure-search")
    link.click()
    page.wait_for_url(f"**/disclosures/{entry['id']}")  # type: ignore[attr-defined]
    check_page(page)
    text = page.inner_text("main")  # type: ignore[attr-defined]
    assert str(record["decision_number"]) in text
    assert str(record["authority"]) in text
    shot(page, "disclosure-decision")
    phone = site.page(PHONE)
    for path in ("/disclosures", f"/disclosures/{entry['id']}"):
        phone.goto(site.base + path)  # type: ignore[attr-defined]
        no_horizontal_scroll(phone)
    shot(phone, "disclosure-decision-phone")


def _certificate_code(site: Site) -> str:
    """A certificate issued through the staff API: the verification code its
    PDF prints under the QR code."""
    clerk = {"Authorization": f"Bearer {site.clerk_token}"}
    approver = {"Authorization": f"Bearer {site.approver_token}"}
    created = httpx.post(
        f"{site.base}/v1/licensing/applications",
        json={
            "item_code": "XK-TZSB-SYDJ",
            "applicant": applicant(43),
            "materials": [
                "特种设备使用登记表",
                "使用单位统一社会信用代码证明",
                "产品合格证",
                "监督检验证明",
                "安装告知书",
            ],
        },
        headers=clerk,
    )
    assert created.status_code == 201, created.text
    case = f"{site.base}/v1/licensing/applications/{created.json()['id']}"
    grant = {"decision_number": "淮区市监许〔2026〕99号", "scope": "乘客电梯 1 台"}
    for verb, who, body in (
        ("accept", clerk, None),
        ("grant", approver, {**grant, "reason": "符合法定条件"}),
        ("issue-certificate", clerk, None),
    ):
        answer = httpx.post(f"{case}/{verb}", json=body, headers=who)
        assert answer.status_code == 200, answer.text
    pdf = httpx.get(f"{case}/documents/certificate", headers=clerk)
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    return text.split("核验码：", 1)[1][:64]


def test_a_certificate_s_qr_code_opens_its_check_on_a_phone(site: Site) -> None:
    code = _certificate_code(site)
    phone = site.page(PHONE)
    deadline = time.monotonic() + 30
    while True:  # the licence register may not have read the grant yet (503)
        answer = phone.goto(f"{site.base}/licensing/documents/{code}")  # type: ignore[attr-defined]
        if answer.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert answer.status == 200
    check_page(phone)
    no_horizontal_scroll(phone)
    verdict = phone.locator("[role=status]").inner_text()  # type: ignore[attr-defined]
    assert "真实有效" in verdict
    details = phone.locator("section.receipt").inner_text()  # type: ignore[attr-defined]
    assert "特种设备使用登记证" in details
    assert "有效" in details
    shot(phone, "licensing-document-check-phone")
    forged = phone.goto(f"{site.base}/licensing/documents/{'0' * 64}")  # type: ignore[attr-defined]
    assert forged.status == 404


def test_the_rating_form_after_a_decision(site: Site) -> None:
    """工作评议 on a phone: a grade is required (the 422 page says so in
    Chinese, the typed values kept), then the applicant rates once."""
    body = receive_application(site.base, site.clerk_token, 43)
    rejected = httpx.post(
        f"{site.base}/v1/licensing/applications/{body['id']}/reject",
        json={"ground": "no_licence_required", "reason": "该设备无需办理使用登记"},
        headers={"Authorization": f"Bearer {site.clerk_token}"},
    )
    assert rejected.status_code == 200, rejected.text
    page = site.page(PHONE)
    page.goto(site.base + "/licensing/rating")  # type: ignore[attr-defined]
    check_page(page)
    no_horizontal_scroll(page)
    page.fill("#f-receipt_number", body["receipt_number"])  # type: ignore[attr-defined]
    page.fill("#f-query_code", body["query_code"])  # type: ignore[attr-defined]
    page.get_by_role("button", name="提交评议").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    summary = page.locator("#error-summary").inner_text()  # type: ignore[attr-defined]
    assert "评议：请填写此项" in summary
    assert page.input_value("#f-receipt_number") == body["receipt_number"]  # type: ignore[attr-defined]
    page.get_by_label("基本满意").check()  # type: ignore[attr-defined]
    page.fill("#f-comment", "窗口告知清楚")  # type: ignore[attr-defined]
    page.get_by_role("button", name="提交评议").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "感谢您的评议" in page.locator("section.receipt").inner_text()  # type: ignore[attr-defined]
    no_horizontal_scroll(page)
    shot(page, "licensing-rating-phone")
