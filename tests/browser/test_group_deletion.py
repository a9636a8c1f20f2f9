"""Deleting a group in a real browser: its owner finds the form at the end
of the group's settings, is told next to the field when the typed name is
not the group's, and after typing it lands on the group list with a notice;
the group is gone. A member sees no settings. The settings page with the
form, and with its error, is checked with axe-core."""
from selenium.webdriver.common.by import By

from pages import click_and_wait, fill, main_text, save_screenshot, serious_accessibility_problems, sign_up, submit


def test_the_owner_deletes_a_group_from_its_settings(node_a, browser_factory):
    wim = browser_factory()
    xandra = browser_factory()
    problems = []

    sign_up(wim, node_a, "wim", "Wim de Boer")
    wim.get(node_a.base + "/groups/new")
    fill(wim, "name", "Tijdelijk Overleg")
    submit(wim)
    group = wim.current_url

    sign_up(xandra, node_a, "xandra", "Xandra Peters")
    xandra.get(group)
    click_and_wait(xandra, "form[action$='/join'] button")
    assert not xandra.find_elements(By.CSS_SELECTOR, "nav.tabs a[href$='/settings']"), "a member has no settings tab"

    wim.get(group + "/settings")
    heading = wim.find_element(By.ID, "delete-group-heading")
    assert heading.text == "Delete this group"
    problems.extend(serious_accessibility_problems(wim))

    fill(wim, "delete-group-name", "tijdelijk")
    click_and_wait(wim, "form[action$='/delete'] button[type=submit]")
    field = wim.find_element(By.ID, "delete-group-name")
    assert field.get_attribute("aria-invalid") == "true"
    assert "delete-group-name-error" in field.get_attribute("aria-describedby")
    assert wim.find_element(By.ID, "delete-group-name-error").text.startswith("type the group's name exactly as shown")
    problems.extend(serious_accessibility_problems(wim))
    save_screenshot(wim, "group-delete", at="#delete-group-heading")

    fill(wim, "delete-group-name", "Tijdelijk Overleg")
    click_and_wait(wim, "form[action$='/delete'] button[type=submit]")
    assert wim.current_url == node_a.base + "/groups?deleted=1"
    assert wim.find_element(By.CSS_SELECTOR, "p.notice[role=status]").text == "The group has been deleted."
    assert "Tijdelijk Overleg" not in main_text(wim)
    wim.get(group)
    assert "not found" in main_text(wim).lower()

    assert problems == [], "\n".join(problems)
