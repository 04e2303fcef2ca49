"""An auditor replays a completed case step by step, reads its timeline and downloads the PDF record."""

from __future__ import annotations

from pathlib import Path

from api import engine_context
from tests.browser.conftest import PHONE, SHOTS, no_horizontal_scroll, shot
from workflows.demo import Driver

STEPS = 16  # the replayed steps of an appointed case (25 events: the qualification review's, the registry note)


def appointed_case(app) -> int:
    driver = Driver(engine_context(app))
    driver.to_publicity()
    driver.wait_for_timer()
    driver.appoint()
    return driver.id


def markers(page) -> tuple[list[str], list[str]]:
    """(done element ids, current element ids) as the diagram shows them."""
    return tuple(page.eval_on_selector_all(
        f"#diagram .djs-element.{marker}:not(.djs-connection)", "els => els.map(e => e.dataset.elementId).sort()")
        for marker in ("done", "current"))


def open_replay(page, base: str, case_id: int) -> None:
    page.goto(f"{base}/audit/cases/{case_id}/replay")
    page.wait_for_selector("#diagram[data-ready=true]")


def test_auditor_steps_through_a_replay_and_downloads_the_record(live, login):
    base, app = live
    case_id = appointed_case(app)
    page = login("auditor1")
    page.click("header nav a[href='/audit/']")
    page.click(f"a[href='/audit/cases/{case_id}/replay']")
    page.wait_for_selector("#diagram[data-ready=true]")
    assert "重演结果与记录一致" in page.inner_text("#replay-summary")

    label = page.locator("#step-label")
    assert label.inner_text() == f"步骤 1 / {STEPS}"
    done, current = markers(page)
    assert done == [] and current == ["start"]  # the case started: its pool's start event
    assert page.locator("#prev-step").is_disabled()
    assert page.locator("#step-1").is_visible() and not page.locator("#step-2").is_visible()

    page.click("#next-step")
    assert markers(page) == ([], ["approve_motion"])
    assert page.locator("#step-2").is_visible() and "研究动议" in page.inner_text("#step-2")
    page.click("#next-step")
    # the nomination's step also ran the check of the qualifications (a service task)
    assert markers(page) == (["approve_motion", "check_qualifications"], ["nominate"])
    assert label.inner_text() == f"步骤 3 / {STEPS}"
    assert "step=3" in page.url
    shot(page, "auditor-replay-desktop-step3")

    slider = page.locator("#step-slider")
    slider.focus()
    page.keyboard.press("End")  # the slider to its last step
    assert label.inner_text() == f"步骤 {STEPS} / {STEPS}"
    done, current = markers(page)
    assert current == ["appoint"]
    assert {"approve_motion", "tally_recommendation", "committee_decision", "publicity_wait"} <= set(done)
    assert page.locator("#next-step").is_disabled() and page.locator(f"#step-{STEPS}").is_visible()
    slider.fill("6")  # dragged back to step 6: what was done later is no longer marked
    assert label.inner_text() == f"步骤 6 / {STEPS}"
    done, current = markers(page)
    assert current == ["talk_recommendation"] and "committee_decision" not in done and "nominate" in done
    assert "谈话调研推荐" in page.inner_text("#step-6") and "谈话12人" in page.inner_text("#step-6")
    shot(page, "auditor-replay-desktop")

    page.click(f"a[href$='/audit/cases/{case_id}']")
    assert "✓" in page.inner_text("#case-verify")
    assert page.locator("ol.events > li").count() == 25
    shot(page, "auditor-timeline-desktop", full_page=False)
    with page.expect_download() as download:
        page.click(f"a[href='/audit/cases/{case_id}/record.pdf']")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and download.value.suggested_filename == f"case-{case_id}-record.pdf"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "auditor-record.pdf").write_bytes(pdf)

    page.goto(f"{base}/audit/")
    page.click("#verify-all")
    assert "审计记录完整" in page.inner_text("#verify-report")
    shot(page, "auditor-overview-desktop")


def test_auditor_pages_at_phone_width(live, login):
    base, app = live
    case_id = appointed_case(app)
    page = login("auditor1", viewport=PHONE)
    open_replay(page, base, case_id)
    page.click("#next-step")
    page.click("#next-step")
    assert markers(page)[1] == ["nominate"]
    assert no_horizontal_scroll(page)
    shot(page, "auditor-replay-phone")
    page.goto(f"{base}/audit/cases/{case_id}")
    assert no_horizontal_scroll(page)
    shot(page, "auditor-timeline-phone", full_page=False)
    page.goto(f"{base}/audit/")
    page.click("#verify-all")
    assert no_horizontal_scroll(page)
    shot(page, "auditor-overview-phone")


def test_replay_in_english(live, login):
    base, app = live
    case_id = appointed_case(app)
    page = login("auditor1", lang="en")
    open_replay(page, base, case_id)
    page.goto(f"{base}/audit/cases/{case_id}/replay?step=9")
    page.wait_for_selector("#diagram[data-ready=true]")
    assert page.locator("#step-label").inner_text() == f"Step 9 / {STEPS}"
    assert markers(page)[1] == ["integrity_opinion"]
    assert "The replay matches the record" in page.inner_text("#replay-summary")
    shot(page, "auditor-replay-desktop-en")
