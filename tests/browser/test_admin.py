"""Node administration in a real browser: the administrator closes
registration from the admin page and sign-up follows at once, then sets it
to invitation codes and back to what node.conf says; a person who is not an
administrator cannot reach the page. The page is checked with axe-core."""
from selenium.webdriver.common.by import By

from pages import click_and_wait, main_text, save_screenshot, serious_accessibility_problems, sign_in, sign_up


def set_registration(admin, node, mode):
    admin.get(node.base + "/admin")
    admin.find_element(By.ID, "mode-" + mode).click()
    click_and_wait(admin, "form[action='/admin/registration'] button[type=submit]")
    assert "The registration mode is saved" in main_text(admin)
    assert admin.find_element(By.ID, "mode-" + mode).is_selected()


def test_an_administrator_sets_the_registration_mode_from_a_page(node_a, browser_factory):
    admin = browser_factory()
    visitor = browser_factory()
    problems = []
    sign_in(admin, node_a, *node_a.admin)
    admin.get(node_a.base + "/admin")
    assert admin.find_element(By.ID, "mode-configured").is_selected(), "node.conf's mode applies until one is set here"
    try:
        set_registration(admin, node_a, "closed")
        problems.extend(serious_accessibility_problems(admin))
        save_screenshot(admin, "admin-registration")

        visitor.get(node_a.base + "/signup")
        assert "does not accept new accounts" in main_text(visitor)
        assert not visitor.find_elements(By.CSS_SELECTOR, "form[action='/signup']"), "no sign-up form while closed"
        assert not visitor.find_elements(By.CSS_SELECTOR, "header a[href='/signup']")

        set_registration(admin, node_a, "invite-only")
        visitor.get(node_a.base + "/signup")
        assert visitor.find_elements(By.ID, "inviteCode"), "an invitation code is asked for"
    finally:
        set_registration(admin, node_a, "configured")

    visitor.get(node_a.base + "/signup")
    assert not visitor.find_elements(By.ID, "inviteCode")
    sign_up(visitor, node_a, "nico", "Nico Smit")
    visitor.get(node_a.base + "/admin")
    assert visitor.find_element(By.TAG_NAME, "h1").text != "Administration"
    assert not visitor.find_elements(By.CSS_SELECTOR, "form[action='/admin/registration']"), "only administrators get the form"
    assert problems == [], "\n".join(problems)
