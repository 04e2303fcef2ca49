"""A BPMN editor changes a procedure in the browser's modeler and deploys it as a new version.

The acceptance test of versioning: a case started before the deploy stays on version 1 with its
parameters; a case started after runs on version 2 with the edited parameter.
"""

from __future__ import annotations

from api import engine_context
from engine.procedures import deploy_files, latest_versions
from tests.browser.conftest import PHONE, no_horizontal_scroll, shot
from workflows.demo import BPMN, EDITOR, Driver

CANVAS = "#canvas"


def open_modeler(page, base: str, key: str = "cadre_selection", version: int = 1) -> None:
    page.goto(f"{base}/procedures/{key}/{version}/edit")
    page.wait_for_selector(f"{CANVAS}[data-ready=true]")


def click_background(page) -> None:
    """Click the canvas where no element is (its lower right corner): nothing is selected then, and
    the sidebar shows the procedure's parameters."""
    box = page.locator(CANVAS).bounding_box()
    page.mouse.click(box["x"] + box["width"] - 12, box["y"] + box["height"] - 40)


def click_element(page, element_id: str) -> None:
    page.locator(f'{CANVAS} .djs-element[data-element-id="{element_id}"]').first.click()


def test_edit_a_parameter_and_deploy_version_2(live, login):
    base, app = live
    ctx = engine_context(app)
    before = Driver(ctx)  # started on version 1, before the deploy
    before.approve()

    page = login("editor1")
    page.goto(f"{base}/procedures/")
    page.locator('#procedure-cadre_selection a[href="/procedures/cadre_selection/1/edit"]').click()
    page.wait_for_selector(f"{CANVAS}[data-ready=true]")
    click_element(page, "nominate")
    assert page.locator("#prop-form").input_value() == "nominate"
    click_background(page)
    share = page.locator('#parameters tr[data-param="exclusion_share"] input[name=value]')
    assert share.input_value() == "1/2"
    share.fill("3/5")
    share.press("Tab")
    assert no_horizontal_scroll(page)
    shot(page, "editor-modeler-desktop")
    page.locator("#deploy").click()
    link = page.locator("#deployed-link")
    link.wait_for()
    assert link.get_attribute("data-version") == "2"
    assert "2" in page.locator("#status").inner_text()
    link.click()
    page.wait_for_selector("#diagram[data-ready=true]")
    assert "3/5" in page.locator("#parameters").inner_text()

    after = Driver(ctx)
    assert after.case["version"] == 2 and after.case["parameters"]["exclusion_share"] == "3/5"
    before.refresh()
    assert before.case["version"] == 1 and before.case["parameters"]["exclusion_share"] == "1/2"
    before.nominate()  # the older case keeps moving on its own version
    assert before.case["version"] == 1 and before.ready() == ["meeting_recommendation"]

    # the modeler wrote back everything it read: only the parameter differs (the process element)
    diff = page.request.get(f"{base}/procedures/cadre_selection/diff.json?a=1&b=2").json()
    assert (diff["added"], diff["removed"], diff["changed"]) == ([], [], ["cadre_selection"])
    page.goto(f"{base}/procedures/cadre_selection/diff?a=1&b=2")
    page.wait_for_selector("#diagram-b[data-ready=true]")
    assert no_horizontal_scroll(page)
    assert page.locator('#parameters tr[data-param="exclusion_share"]').inner_text().split() == \
        ["exclusion_share", "1/2", "3/5"]
    assert page.locator('#diagram-b .djs-element[data-element-id="cadre_selection_pool"].diff-changed-outline').count() == 1


def test_a_broken_diagram_is_marked_on_the_element(live, login):
    base, app = live
    page = login("editor1")
    open_modeler(page, base)
    click_element(page, "end_motion_rejected")
    assert page.locator("#prop-outcome").input_value() == "motion_rejected"
    lane = page.locator(f'{CANVAS} .djs-element[data-element-id="lane_org_head"]').first
    lane.click(position={"x": 4, "y": lane.bounding_box()["height"] / 2})
    assert page.locator("#prop-role").input_value() == "org_head"
    page.locator("#prop-role").select_option("auditor")  # a role that never owns a step
    click_element(page, "nominate")
    page.locator("#prop-form").select_option("")
    page.locator("#deploy").click()
    marked = page.locator(f'{CANVAS} .djs-element[data-element-id="nominate"].error-marker')
    marked.wait_for()
    assert page.locator(f'{CANVAS} .djs-element[data-element-id="approve_motion"].error-marker').count() == 1
    overlay = page.locator(f'{CANVAS} .djs-overlays[data-container-id="nominate"] .problem-overlay')
    assert "未指定表单" in overlay.inner_text()
    assert "nominate" in page.locator("#problems").inner_text()
    assert page.locator("#status.error").count() == 1
    page.locator('#problems li[data-element="nominate"] button').click()
    shot(page, "editor-error")
    with engine_context(app).unit_of_work() as uow:
        assert {v.key: v.version for v in latest_versions(uow.session)}["cadre_selection"] == 1

    # put the form and the role back: the diagram deploys, and the markers go
    page.locator("#prop-form").select_option("nominate")
    page.evaluate("window.procedureModeler.get('canvas').zoom('fit-viewport')")  # back from the zoomed-in problem
    lane.click(position={"x": 4, "y": lane.bounding_box()["height"] / 2})
    page.locator("#prop-role").select_option("org_head")
    page.locator("#deploy").click()
    page.locator("#deployed-link").wait_for()
    assert page.locator(f"{CANVAS} .error-marker").count() == 0


def test_whom_a_task_is_about_in_the_sidebar_and_on_deploy(live, login):
    """Recusal follows a task's form and its `subject` marking, which deployment checks: the sidebar
    shows the marking, fills it in with a form about people, and a missing one is marked on the task."""
    base, app = live
    page = login("editor1")
    open_modeler(page, base)
    click_element(page, "inspection")
    assert page.locator("#prop-form").input_value() == "inspection"
    assert page.locator("#prop-subject").input_value() == "candidate"
    assert "涉及具体人员" in page.locator("#properties").inner_text()
    shot(page, "editor-subject-sidebar")
    page.locator("#prop-subject").select_option("")
    page.locator("#deploy").click()
    overlay = page.locator(f'{CANVAS} .djs-overlays[data-container-id="inspection"] .problem-overlay')
    overlay.wait_for()
    assert "涉及具体人员" in overlay.inner_text() and "subject" in overlay.inner_text()
    assert page.locator(f"{CANVAS} .error-marker").count() == 1
    page.locator('#problems li[data-element="inspection"] button').click()
    shot(page, "editor-subject-missing")

    page.evaluate("window.procedureModeler.get('canvas').zoom('fit-viewport')")  # back from the zoomed-in problem
    click_element(page, "appoint")  # a form about people brings its marking along
    assert page.locator("#prop-subject").input_value() == ""
    page.locator("#prop-form").select_option("integrity_opinion")
    assert page.locator("#prop-subject").input_value() == "candidate"
    page.locator("#prop-form").select_option("appoint")
    page.locator("#prop-subject").select_option("")
    page.evaluate("m => m.get('selection').select(m.get('elementRegistry').get('inspection'))",
                  page.evaluate_handle("window.procedureModeler"))  # under the palette at this zoom
    page.locator("#prop-subject").select_option("candidate")
    page.locator("#deploy").click()
    page.locator("#deployed-link").wait_for()
    with engine_context(app).unit_of_work() as uow:
        tasks = next(v for v in latest_versions(uow.session) if v.key == "cadre_selection").tasks
    assert (tasks["inspection"]["subject"], tasks["appoint"]["subject"]) == ("candidate", None)


def test_compare_versions_and_the_phone_layout(live, login):
    base, app = live
    original = (BPMN / "cadre_selection.bpmn").read_text(encoding="utf-8")
    edited = (original.replace('name="exclusion_share" value="1/2"', 'name="exclusion_share" value="3/5"')
              .replace('<bpmn:userTask id="nominate" name="提名">', '<bpmn:userTask id="nominate" name="提名人选">')
              .replace("</bpmn:process>", '<bpmn:textAnnotation id="note"><bpmn:text>新增说明</bpmn:text>'
                       "</bpmn:textAnnotation>\n  </bpmn:process>", 1))
    deploy_files(engine_context(app), {"cadre_selection.bpmn": edited}, EDITOR)

    page = login("editor1", lang="en")
    page.goto(f"{base}/procedures/")
    shot(page, "editor-procedures-desktop")
    page.locator('#procedure-cadre_selection a[href*="/diff"]').first.click()
    page.wait_for_selector("#diagram-a[data-ready=true]")
    page.wait_for_selector("#diagram-b[data-ready=true]")
    assert page.locator('#diagram-b .djs-element[data-element-id="nominate"].diff-changed').count() == 1
    assert page.locator('#diagram-a .djs-element[data-element-id="nominate"].diff-changed').count() == 1
    assert page.locator('#elements tr[data-kind="added"]').count() == 1
    shot(page, "editor-diff")

    phone = login("editor1", viewport=PHONE)
    for path, ready, name in (
        ("/procedures/", "table.versions", "editor-procedures-phone"),
        ("/procedures/cadre_selection/1/edit", f"{CANVAS}[data-ready=true]", "editor-modeler-phone"),
        ("/procedures/cadre_selection/diff?a=1&b=2", "#diagram-b[data-ready=true]", "editor-diff-phone"),
        ("/procedures/cadre_selection/2", "#diagram[data-ready=true]", "editor-version-phone"),
    ):
        phone.goto(base + path)
        phone.wait_for_selector(ready)
        assert no_horizontal_scroll(phone), path
        shot(phone, name)
