"""Filling the generated step forms in the browser, by the dotted field paths the forms use."""

from __future__ import annotations


def fill_form(page, values: dict) -> None:
    for path, value in values.items():
        field = page.locator(f'[name="{path}"]')
        if field.count() == 0:  # a row not drawn yet: add one to the list it belongs to
            group = path.rsplit(".", 2)[0] if path.count(".") >= 2 and path.split(".")[-2].isdigit() \
                else path.rsplit(".", 1)[0]
            page.locator(f'fieldset[data-path="{group}"] > .add-row').click()
            field = page.locator(f'[name="{path}"]')
        tag = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.startswith("select"):
            field.select_option(str(value))
        elif tag == "input:checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(str(value))


def open_task(page, base: str, title: str) -> None:
    """From the inbox, open the first task whose link text contains `title`."""
    page.goto(base + "/")
    page.locator("a.task", has_text=title).first.click()
    page.wait_for_selector("form.step-form")


def submit(page) -> None:
    page.locator("form.step-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def choice(page, field: str, value: str):
    """The row of one option in a list to tick (`candidates`, `team`, `proposed` ...)."""
    return page.locator(f'fieldset[data-path="{field}"] .choice[data-value="{value}"]')


def tick(page, field: str, value: str, on: bool = True) -> None:
    choice(page, field, value).locator(".pick input").set_checked(on)
