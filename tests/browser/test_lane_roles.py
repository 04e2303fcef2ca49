"""The modeler's sidebar for a lane: its name is for people (干部科经办人), its role is a property
(issue 13); changing the role renames a lane still named after the old role, and deploys."""

from __future__ import annotations

from api import engine_context
from engine.procedures import latest_versions
from engine.procedures.names import step_names
from tests.browser.conftest import shot
from tests.browser.test_editor import CANVAS, open_modeler


def select_lane(page, lane_id: str) -> None:
    lane = page.locator(f'{CANVAS} .djs-element[data-element-id="{lane_id}"]').first
    lane.click(position={"x": 4, "y": lane.bounding_box()["height"] / 2})  # its label strip, not a task in it


def lane_xml(page, lane_id: str) -> str:
    return page.evaluate("""async (id) => {
      const { xml } = await window.procedureModeler.saveXML({ format: true });
      const start = xml.indexOf(`<bpmn:lane id="${id}"`);
      return xml.slice(start, xml.indexOf('</bpmn:lane>', start));
    }""", lane_id)


def test_a_lane_shows_its_name_and_edits_its_role(live, login):
    base, app = live
    page = login("editor1")
    open_modeler(page, base)
    select_lane(page, "lane_org_head")
    assert page.locator("#prop-name").input_value() == "组织部负责人"
    assert page.locator("#prop-role").input_value() == "org_head"
    shot(page, "editor-lane-sidebar")

    page.locator("#prop-role").select_option("clerk")  # the name followed the old role: it follows the new one
    assert page.locator("#prop-name").input_value() == "干部科经办人"
    xml = lane_xml(page, "lane_org_head")
    assert 'name="干部科经办人"' in xml and '<spiffworkflow:property name="role" value="clerk" />' in xml

    page.locator("#prop-name").fill("分管领导")  # a name of the editor's own stays when the role changes
    page.locator("#prop-name").press("Tab")
    page.locator("#prop-role").select_option("org_head")
    assert page.locator("#prop-name").input_value() == "分管领导"
    xml = lane_xml(page, "lane_org_head")
    assert 'name="分管领导"' in xml and '<spiffworkflow:property name="role" value="org_head" />' in xml

    # a step's English name is a property too
    page.locator(f'{CANVAS} .djs-element[data-element-id="approve_motion"]').first.click()
    assert page.locator("#prop-name-en").input_value() == "Approve the motion"
    page.locator("#prop-name-en").fill("Decide on the motion")
    page.locator("#prop-name-en").press("Tab")

    page.locator("#deploy").click()
    page.locator("#deployed-link").wait_for()
    with engine_context(app).unit_of_work() as uow:
        row = {v.key: v for v in latest_versions(uow.session)}["cadre_selection"]
        assert row.version == 2 and row.tasks["approve_motion"]["role"] == "org_head"
    assert step_names(engine_context(app), row.id, "en")["approve_motion"] == "Decide on the motion"
