"""The responsibility record as an auditor gets it: the PDF and CSV in Beijing time and in words, a
CSV no spreadsheet runs as formulas, and the timeline and replay pages telling each step."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

from pypdf import PdfReader

from api import engine_context
from api.web.csvexport import FORMULA_START
from engine import cases
from engine.actors import Actor
from engine.records import responsibility_record
from tests.web import test_auditor_admin_pages as pages
from workflows.demo import HEAD, Driver

app, appointed, signed_in = pages.app, pages.appointed, pages.signed_in  # the same app, case and sign-in

HYPERLINK = '=HYPERLINK("http://x","y")'


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_an_event_at_utc_evening_is_next_day_in_beijing_in_the_pdf_and_csv(app):
    ctx = engine_context(app)
    ctx.clock.set(datetime(2026, 9, 30, 16, 30, tzinfo=UTC))
    case_id = Driver(ctx).id
    auditor = signed_in(app, "auditor1")
    text = pdf_text(auditor.get(f"/audit/cases/{case_id}/record.pdf").data)
    assert "2026-10-01 00:30" in text and "2026-09-30" not in text
    assert "时间均为北京时间" in text
    rows = csv_rows(auditor.get(f"/audit/cases/{case_id}/record.csv").data)
    assert rows[0][1] == "时间（北京时间）" and rows[1][1] == "2026-10-01 00:30:00"
    assert ">2026-10-01 00:30:00</time>" in auditor.get(f"/audit/cases/{case_id}").text  # and on the timeline
    english = csv_rows(signed_in(app, "auditor1", lang="en").get(f"/audit/cases/{case_id}/record.csv").data)
    assert english[0][:2] == ["Seq", "Time (Beijing)"] and english[1][1] == "2026-10-01 00:30:00"


def test_the_pdf_reads_as_a_record(app, appointed):
    record = responsibility_record(engine_context(app), appointed, "zh-CN")
    text = pdf_text(signed_in(app, "auditor1").get(f"/audit/cases/{appointed}/record.pdf").data)
    # a long entry may run onto the next page: the page footer then sits inside its text
    flat = re.sub(r"第 \d+ 页，共 \d+ 页#\d+ \w+ +[0-9a-f]{16}", "", text.replace("\n", ""))
    assert f"案件 #{appointed}・区发改委主任（区发改委）" in flat
    assert "党政领导干部选拔任用（民主推荐）（cadre_selection，第 1 版）" in flat and "已办结・已任职" in flat
    assert flat.count("得票低于此比例不列为考察对象") == 1 and flat.count("approval_floor") == 0  # parameters once
    assert "{" not in text and '":' not in text  # no JSON anywhere
    for entry in record["entries"]:
        assert f"#{entry['seq']} {entry['step']}・{entry['action_label']}" in flat
        # a line may wrap at a space (2025 年度), which the extracted text then drops
        assert re.sub(r"\s", "", entry["narrative"]) in re.sub(r"\s", "", flat) and entry["hash"] in flat
    assert "组织部负责人（orghead1）・组织部负责人" in flat  # who, and in which role
    assert "王五10票（33.3%），第3名——低于半数，不列为考察对象（第19条）" in flat
    english = pdf_text(signed_in(app, "auditor1", lang="en").get(f"/audit/cases/{appointed}/record.pdf").data)
    assert "Responsibility record" in english and "rank 3 — below one half, not a candidate for inspection (art. 19)" \
        in english.replace("\n", " ")


def test_no_csv_cell_starts_a_formula(app):
    ctx = engine_context(app)
    d = Driver(ctx)
    d.do("approve_motion", HEAD, {"decision": "approve", "comment": "+1 同意"}, comment=HYPERLINK)
    odd = Actor("clerk9", "@SUM(A1)", frozenset({"clerk"}))  # a display name as someone typed it
    other = cases.start_case(ctx, "cadre_selection", {"position": "-2+3", "unit": "\t=1", "post_count": 1,
                                                      "rank": "正科级", "reason": "=A1"}, odd)
    auditor = signed_in(app, "auditor1")
    rows = csv_rows(auditor.get(f"/audit/cases/{d.id}/record.csv").data)
    approved = next(r for r in rows if r[7] == "approve_motion")
    assert approved[9] == "'" + HYPERLINK  # the comment column, shown as text
    assert "意见：+1 同意" in approved[8]
    started = csv_rows(auditor.get(f"/audit/cases/{other['id']}/record.csv").data)[1]
    assert started[2] == "'@SUM(A1)"
    for row in rows + [started]:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell


def test_timeline_and_replay_tell_each_step(app, appointed):
    record = responsibility_record(engine_context(app), appointed, "zh-CN")
    auditor = signed_in(app, "auditor1")
    page = auditor.get(f"/audit/cases/{appointed}").text
    for entry in record["entries"]:
        chunk = page[page.index(f'id="event-{entry["seq"]}"'):]
        chunk = html.unescape(chunk[:chunk.index("</li>")])
        assert f'<p class="narrative">{entry["narrative"]}</p>' in chunk
        before_raw = chunk.split('<details class="raw">')[0]
        assert "{" not in before_raw  # the recorded JSON only behind the toggle
    assert '<time datetime="2026-03-02T01:00:00.000000Z">2026-03-02 09:00:00</time>' in page  # 01:00 UTC
    assert "时间均为北京时间" in page and 'id="parameters"' in page and "得票低于此比例不列为考察对象" in page

    replay = html.unescape(auditor.get(f"/audit/cases/{appointed}/replay").text)
    step5 = replay[replay.index('id="step-6"'):replay.index('id="step-7"')]  # after the qualification review
    inputs, decisions = step5.split("系统判定</h3>")  # the zh heading of the engine's decisions
    assert '<p class="narrative">谈话12人；谈话推荐：张三8人次；情况摘要：普遍认可。</p>' in inputs
    assert "王五10票（33.3%），第3名——低于半数，不列为考察对象（第19条）" in decisions
    assert re.search(r'<details class="raw"><summary>原始记录数据（JSON）</summary><pre class="data">\{', decisions)
    step2 = replay[replay.index('id="step-2"'):replay.index('id="step-3"')]
    assert "决定：同意启动；意见：同意启动。" in step2 and "无（由人办理的环节）" in step2
