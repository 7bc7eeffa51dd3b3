"""The report viewer at `/`, driven in real headless Chromium against the whole platform.

Debian's `chromium` drives the page through Playwright (no browser download: `make test` installs
the package when it is missing). A missing browser fails these tests; it never skips them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, Route, expect, sync_playwright

from services.domain.templates import TEMPLATES
from stack.platform import LISTENING, Platform
from tests.support import plain_http
from tests.support.api import Api
from tests.support.tenants import AUTH_A

CHROMIUM = Path(os.environ.get("REPORTS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "test-artifacts" / "viewer.png"
PHONE_ARTIFACT = ROOT / "test-artifacts" / "viewer-phone.png"
# rewritten only with REPORTS_UPDATE_SCREENSHOT=1
README_SCREENSHOT = ROOT / "docs" / "viewer.png"
README_PHONE_SCREENSHOT = ROOT / "docs" / "viewer-phone.png"
TIMEOUT_MS = 60_000

CALL_VTT = """WEBVTT

00:00:00.000 --> 00:00:09.500
<v Ben Okafor>Thanks for making the time, everyone. I'm Ben from Acme; I'll keep this to thirty minutes.

00:00:09.500 --> 00:00:31.000
<v Ana Ruiz>Thanks Ben. I'm Ana, the CFO at Northwind. Before anything else, I need to understand what \
this costs per seat, because our board compares every tool on payback period.

00:00:31.000 --> 00:00:44.000
<v Ben Okafor>Of course. It depends on volume. How many seats are we talking about?

00:00:44.000 --> 00:01:12.000
<v Ana Ruiz>Forty seats to start, maybe sixty by the end of the year. I want numbers by Friday, and I want \
them in writing. Honestly, the last vendor surprised us with implementation fees and I don't want that again.

00:01:12.000 --> 00:01:24.000
<v Carla Nguyen>From the IT side, we also need SSO and an export of our data if we ever leave.

00:01:24.000 --> 00:01:36.000
<v Ben Okafor>Both are included. Ana, what would make this an easy yes for you?

00:01:36.000 --> 00:02:05.000
<v Ana Ruiz>A pilot with a fixed price, and references from two companies our size. If the pilot shows we \
save at least ten hours a week for the finance team, I can get the board to sign within the quarter.

00:02:05.000 --> 00:02:16.000
<v Ben Okafor>That's fair. What usually slows decisions down on your side?

00:02:16.000 --> 00:02:44.000
<v Ana Ruiz>Legal review, mostly. Our procurement process has three steps and legal is the slowest. If you \
send the contract early, we can review it in parallel with the pilot and not lose a month.

00:02:44.000 --> 00:02:58.000
<v Carla Nguyen>And security will want the documentation before the pilot starts.

00:02:58.000 --> 00:03:25.000
<v Ana Ruiz>Right. So send the security documentation to Carla this week, the pricing proposal to me by \
Friday, and let's schedule a call with your references. I care about results, not slides.

00:03:25.000 --> 00:03:36.000
<v Ben Okafor>Understood. I'll send everything and follow up on Thursday.

00:03:36.000 --> 00:03:52.000
<v Ana Ruiz>Good. One more thing: if the numbers don't add up, tell me early. I'd rather hear bad news on \
Monday than on the day we sign.
"""

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _ana_lines() -> str:
    return _fold(
        " ".join(
            line.removeprefix("<v Ana Ruiz>")
            for line in CALL_VTT.replace("\\\n", "").splitlines()
            if line.startswith("<v Ana Ruiz>")
        )
    )


def _mmss(seconds: float) -> str:
    return f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"


@contextmanager
def _browser_page() -> Iterator[tuple[Page, list[str], list[Request]]]:
    """A fresh page in Debian's Chromium, with the page's errors and its requests recorded."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the viewer's browser tests need Debian's chromium "
            f"(`apt-get update && apt-get install -y chromium`; make test installs it when missing)",
            pytrace=False,
        )
    expect.set_options(timeout=20_000)  # a loaded CI machine is slower than Playwright's 5 s default
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            problems: list[str] = []
            requests: list[Request] = []
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on(
                "console",
                lambda m: problems.append(f"console: {m.text}") if "Content Security Policy" in m.text else None,
            )
            page.on("request", lambda request: requests.append(request))
            yield page, problems, requests
        finally:
            browser.close()


def _sign_in(page: Page, base_url: str, key: str = "key-a") -> None:
    response = page.goto(base_url + "/")
    assert response is not None and response.ok
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.fill("#api-key", key)
    page.get_by_role("button", name="Sign in").click()


def _strategy(page: Page, label: str) -> None:
    page.locator(".seg-opt", has_text=label).click()


def test_the_page_and_its_assets_need_no_key_and_carry_a_content_security_policy(platform: Platform):
    base = platform.gateway_url
    page = plain_http.get(base + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-content-type-options"] == "nosniff"
    script = plain_http.get(base + "/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "default-src 'self'" in script.headers["content-security-policy"]
    assert plain_http.get(base + "/static/../app.py").status_code == 404
    assert plain_http.get(base + "/v1/media").status_code == 401


def test_the_viewer_adds_a_recording_previews_the_target_follows_the_job_live_and_shows_the_report(
    start_platform: Callable[..., Platform], tmp_path: Path
):
    # A slow dev LLM, so the job is seen moving through its stages over the SSE stream.
    platform = start_platform(DEVLLM_LATENCY_MS="1500")
    base = platform.gateway_url
    transcript = tmp_path / "northwind-call.vtt"
    transcript.write_text(CALL_VTT)

    with _browser_page() as (page, problems, requests):
        _sign_in(page, base, key="not-a-key")
        expect(page.locator(".signin-error")).to_have_text("That key was not accepted.")
        page.fill("#api-key", "key-a")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#add-media")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('reports.apiKey')") == "key-a"

        page.locator("#add-media").click()
        page.set_input_files("#transcript-file", str(transcript))
        expect(page.locator(".file-text")).to_contain_text("<v Ana Ruiz>Thanks Ben.")
        expect(page.locator(".drop-sub")).to_have_text(re.compile(r"^\d+\.\d KB · choose another file"))
        assert page.input_value("#media-format") == "webvtt"
        page.fill("#media-title", "Northwind pricing call")
        page.get_by_role("button", name="Add recording").click()
        expect(page.locator(".media-page h1")).to_have_text("Northwind pricing call")
        expect(page.locator(".media-page .talk-row")).to_have_count(3)
        expect(page.locator("#media-list")).to_contain_text("Northwind pricing call")
        # one way to write a length everywhere (mm:ss), and "speakers" counted as words are
        expect(page.locator(".media-page .sub")).to_contain_text(re.compile(r"\b\d\d:\d\d\b.*3 speakers"))
        expect(page.locator("#media-list")).to_contain_text(re.compile(r"\d\d:\d\d · 3 speakers"))

        # The preview follows every strategy's inputs.
        preview = page.locator(".preview")
        expect(preview.locator(".pick-name")).to_contain_text("Ana Ruiz")  # dominant, the default
        _strategy(page, "A speaker")
        page.select_option("select[name=entity_id]", "Ben Okafor")
        expect(preview.locator(".pick-name")).to_contain_text("Ben Okafor")
        _strategy(page, "A time range")
        page.fill("input[name=start]", "0:31")
        page.fill("input[name=end]", "0:44")
        expect(preview.locator(".pick-name")).to_contain_text("Ben Okafor")
        page.fill("input[name=end]", "0:20")
        expect(preview).to_have_attribute("data-state", "problem")
        _strategy(page, "A description")
        page.fill("input[name=hint]", "the head of marketing at Globex")
        expect(preview).to_have_attribute("data-state", "miss")
        page.select_option("select[name=on_miss]", "fallback_dominant")
        expect(preview).to_have_attribute("data-state", "fallback")
        page.select_option("select[name=on_miss]", "error")
        page.fill("input[name=hint]", "the CFO")
        expect(preview).to_have_attribute("data-state", "ok")
        expect(preview.locator(".pick-name")).to_contain_text("Ana Ruiz")
        expect(preview.locator(".timeline-span").first).to_be_visible()

        page.fill("input[name=label]", "Q3 renewal")
        page.get_by_role("button", name="Write the report").click()

        # Live progress: the stepper moves while the job runs, then the report replaces the wait.
        expect(page.locator(".job-page h1")).to_have_text("Q3 renewal")
        expect(page.locator(".step.active[data-step=rendering]")).to_be_visible()
        expect(page.locator(".conn.live")).to_be_visible()
        expect(page.locator(".resolution")).to_contain_text("Ana Ruiz")
        # the hint's match, in words that cannot be taken for her share of the talk time
        expect(page.locator(".resolution")).to_contain_text("by description · hint match")
        assert "confidence" not in page.locator(".resolution").inner_text()
        expect(page.locator(".report-title")).to_contain_text("Ana Ruiz", timeout=TIMEOUT_MS)
        expect(page.locator(".progress .badge")).to_have_text("succeeded")
        # what the page saw live: the state it joined at, then at least the end (storing is no event now)
        assert page.locator(".events li").count() >= 2
        expect(page.locator(".events li").last).to_contain_text("succeeded")

        job_id = page.locator(".job-page").get_attribute("data-job")
        api = plain_http.client(base_url=base, headers=AUTH_A, timeout=30)
        report = api.get(f"/v1/reports/by-job/{job_id}").json()
        evidence = api.get(f"/v1/reports/{report['id']}/evidence")
        assert evidence.status_code == 200, evidence.text

        document = report["json"]
        expect(page.locator(".report-head .lead")).to_have_text(document["summary"])
        # the dev LLM's report says it is a placeholder, from meta.render.model
        assert document["meta"]["render"]["model"].startswith("dev-llm")
        expect(page.locator(".byline .tag.dev-model")).to_have_text("dev LLM placeholder")
        traits = next(s for s in document["sections"] if s["kind"] == "traits")
        expect(page.locator(".report-head .chip")).to_have_text(traits["phrases"])
        keys = [s.get_attribute("data-key") for s in page.locator(".rsec").all()]
        assert keys == [spec.key for spec in TEMPLATES["sales_playbook"]]
        expect(page.locator(".rsec h2")).to_have_text([s["title"] for s in document["sections"]])
        for section in document["sections"]:
            block = page.locator(f".rsec[data-key={section['key']}]")
            if section["kind"] == "actions":
                expect(block.locator(".actions h3")).to_have_text([item["title"] for item in section["items"]])
        expect(page.locator(".rail .talk-row")).to_have_count(3)
        expect(page.locator(".rail .talk-row.is-target")).to_contain_text("Ana Ruiz")

        # Every section's quotes, verbatim from Ana's own turns, at their times.
        quotes_shown = 0
        for entry in evidence.json()["sections"]:
            block = page.locator(f".rsec[data-key={entry['key']}]")
            expect(block.locator(".quote blockquote")).to_have_text([q["text"] for q in entry["quotes"]])
            expect(block.locator(".quote .time")).to_have_text([_mmss(q["start"]) for q in entry["quotes"]])
            for quote in entry["quotes"]:
                assert _fold(quote["text"]) in _ana_lines(), quote
            quotes_shown += len(entry["quotes"])
        assert quotes_shown > 0
        for time in page.locator(".quote .time").all_inner_texts():
            assert re.fullmatch(r"\d\d:\d\d", time)

        # The stream was read with the key in a header, and the key never went into a URL.
        streams = [r for r in requests if r.url.endswith(f"/v1/jobs/{job_id}/events")]
        assert streams and all(r.all_headers().get("authorization") == "Bearer key-a" for r in streams)
        assert not [r.url for r in requests if "key-a" in r.url]
        assert problems == []

        # another job, without a label: the sidebar names its template and who it is about
        media_id = api.get(f"/v1/jobs/{job_id}").json()["mediaId"]
        unlabeled = api.post(
            "/v1/reports/jobs",
            json={
                "media": {"mediaId": media_id},
                "output": {"template": "general_report"},
                "target": {"strategy": "entity_id", "entity_id": "Ben Okafor", "on_miss": "error"},
            },
        ).json()["jobId"]
        api.get(f"/v1/jobs/{unlabeled}", headers={"Prefer": "wait=60"})
        page.locator("button[aria-label=Refresh]").click()
        expect(page.locator("#job-list")).to_contain_text("General report: Ben Okafor")

        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACT), full_page=True)
        if os.environ.get("REPORTS_UPDATE_SCREENSHOT") == "1":
            page.set_viewport_size({"width": 1440, "height": 1400})
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(README_SCREENSHOT))

        # On a 390 px phone the report comes first, and the lists follow it whole.
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate("window.scrollTo(0, 0)")
        report_box = page.locator(".report-title").bounding_box()
        sidebar_box = page.locator(".sidebar").bounding_box()
        assert report_box is not None and sidebar_box is not None
        assert report_box["y"] < 844 and sidebar_box["y"] > report_box["y"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(PHONE_ARTIFACT))
        if os.environ.get("REPORTS_UPDATE_SCREENSHOT") == "1":
            page.screenshot(path=str(README_PHONE_SCREENSHOT))
        page.set_viewport_size({"width": 1440, "height": 1000})

        page.locator("#sign-out").click()
        expect(page.locator("#api-key")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('reports.apiKey')") is None


def test_markup_in_a_transcript_its_speakers_and_its_title_shows_as_text_and_never_runs(
    platform: Platform, tmp_path: Path
):
    mallory = f"Mallory {IMG}"
    segments = [
        {
            "speaker": mallory,
            "start": 0,
            "end": 20,
            "text": f"I need the numbers {SCRIPT} before the board meets next week.",
        },
        {"speaker": "Sam", "start": 20, "end": 26, "text": "Sure, I can send them by Friday."},
        {
            "speaker": mallory,
            "start": 26,
            "end": 50,
            "text": f"Our budget {IMG} matters because the price is high. We will decide {SCRIPT} after the pilot.",
        },
    ]
    transcript = tmp_path / "hostile.json"
    transcript.write_text(json.dumps(segments))
    title = f"Hostile {SCRIPT} call"

    with _browser_page() as (page, problems, _requests):
        _sign_in(page, platform.gateway_url)
        page.locator("#add-media").click()
        page.set_input_files("#transcript-file", str(transcript))
        expect(page.locator(".file-text")).to_contain_text(SCRIPT)
        page.fill("#media-title", title)
        page.get_by_role("button", name="Add recording").click()
        expect(page.locator(".media-page h1")).to_have_text(title)
        expect(page.locator(".media-page .talk-row").first).to_contain_text(mallory)
        expect(page.locator(".preview .pick-name")).to_contain_text(mallory)
        page.get_by_role("button", name="Write the report").click()
        expect(page.locator(".report-title")).to_be_visible(timeout=TIMEOUT_MS)

        expect(page.locator(".report-head .lead")).to_contain_text(title)
        quotes = page.locator(".quote blockquote").all_inner_texts()
        # The dev LLM's sentence splitter cuts these quotes at "window.": the markup is there all the same.
        assert any("<script>" in q for q in quotes) and any("<img src=x" in q for q in quotes), quotes
        body = page.locator("body").inner_text()
        assert SCRIPT in body and IMG in body and mallory in body
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("document.scripts.length") == 1  # the viewer's own module, nothing more
        assert problems == []


def test_a_report_reads_without_its_evidence_and_marks_unsupported_sections_and_thin_coverage(
    platform: Platform, api: Api
):
    job = api.wait(api.job(api.media(speakers=[{"id": "ana", "label": "Ana Ruiz"}])["mediaId"]))
    assert job["status"] == "succeeded"
    evidence_urls = re.compile(r".*/v1/reports/[^/]+/evidence$")

    with _browser_page() as (page, problems, _requests):
        # No evidence endpoint (an older gateway, say): the report still reads, and says so.
        page.route(
            evidence_urls,
            lambda route: route.fulfill(
                status=404, json={"error": {"code": "not_found", "message": "Not Found", "details": []}}
            ),
        )
        _sign_in(page, platform.gateway_url)
        expect(page.locator("#add-media")).to_be_visible()
        page.goto(f"{platform.gateway_url}/#/jobs/{job['jobId']}")
        expect(page.locator(".report-title")).to_be_visible()
        expect(page.locator(".evidence-missing")).to_have_text("Supporting quotes are not available for this report.")
        expect(page.locator(".rsec")).to_have_count(len(TEMPLATES["sales_playbook"]))
        expect(page.locator(".quote")).to_have_count(0)

        # A section the check left without a quote, and too little speech: both said plainly.
        def thin(route: Route) -> None:
            response = route.fetch()
            body = response.json()
            body["sections"][0] = {**body["sections"][0], "status": "unsupported", "quotes": []}
            body["coverage"] = {**body["coverage"], "sufficient": False, "note": "Only 12 s of speech."}
            route.fulfill(response=response, json=body)

        page.unroute(evidence_urls)
        page.route(evidence_urls, thin)
        page.reload()
        first = page.locator(".rsec").first
        expect(first.locator(".pill.warn")).to_have_text("Unsupported")
        expect(first.locator(".quote")).to_have_count(0)
        expect(page.locator(".report .banner.warn")).to_have_text("Only 12 s of speech.")
        expect(page.locator(".rsec").nth(1).locator(".pill.ok")).to_be_visible()
        assert problems == []


def test_live_progress_survives_a_gateway_restart_resuming_after_the_last_event(
    start_platform: Callable[..., Platform],
):
    platform = start_platform(DEVLLM_LATENCY_MS="4000")  # under the LLM timeout (5 s)
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]

    with _browser_page() as (page, problems, requests):
        _sign_in(page, platform.gateway_url)
        expect(page.locator("#add-media")).to_be_visible()
        job_id = api.job(media_id)
        page.goto(f"{platform.gateway_url}/#/jobs/{job_id}")
        expect(page.locator(".step.active[data-step=rendering]")).to_be_visible()
        expect(page.locator(".conn.live")).to_be_visible()
        seen = page.locator(".events li").count()
        events_url = f"/v1/jobs/{job_id}/events"
        opened_before = sum(r.url.endswith(events_url) for r in requests)

        gateway = platform.processes["gateway"]
        gateway.kill()  # the stream drops mid-job, as in a crash or a rolling restart
        gateway.start()
        gateway.wait_for(LISTENING)

        expect(page.locator(".report-title")).to_be_visible(timeout=TIMEOUT_MS)
        # every stream opened after the drop resumes (the page may have opened more than one before it)
        reopened = [r for r in requests if r.url.endswith(events_url)][opened_before:]
        assert reopened and all(r.all_headers().get("last-event-id") for r in reopened)
        events = page.locator(".events li").all_text_contents()
        assert len(events) > seen and events[-1].endswith("succeeded"), events  # a finished job has no stage
        assert len(events) == len(set(events)), events  # nothing repeated across the reconnect
        assert problems == []


def test_a_recording_is_deleted_from_its_page_after_a_confirmation(platform: Platform):
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media(title="To be deleted")["mediaId"]
    with _browser_page() as (page, problems, _requests):
        _sign_in(page, platform.gateway_url)
        page.goto(f"{platform.gateway_url}/#/media/{media_id}")
        expect(page.locator(".media-page h1")).to_have_text("To be deleted")
        page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel" keeps it
        page.get_by_role("button", name="Delete recording").click()
        expect(page.locator(".media-page h1")).to_have_text("To be deleted")
        assert plain_http.get(f"{platform.gateway_url}/v1/media/{media_id}", headers=AUTH_A).status_code == 200

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Delete recording").click()
        expect(page.locator(".toast")).to_contain_text("Recording deleted")
        expect(page.locator(".page.home")).to_be_visible()
        expect(page.locator("nav, aside").get_by_text("To be deleted")).to_have_count(0)
        assert plain_http.get(f"{platform.gateway_url}/v1/media/{media_id}", headers=AUTH_A).status_code == 404
        assert problems == []
