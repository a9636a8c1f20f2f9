"""What the browser tests do on pages, in the words of a user."""
import os
from pathlib import Path

from axe_core_python.selenium import Axe
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import SCREENSHOTS

PASSWORD = "correct horse battery"


def fill(driver, field_id, text):
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def click_and_wait(driver, selector):
    """Clicks what `selector` finds and waits until the next page has replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 30).until(lambda _: _replaced(page))


def _replaced(element):
    """Whether the page `element` belongs to has gone. While the next page
    replaces it, Chromium may also answer that the node "does not belong to
    the document", which means the same."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


def submit(driver, form_selector="main form.form"):
    click_and_wait(driver, form_selector + " button[type=submit]")


def main_text(driver):
    return driver.find_element(By.ID, "main").text


def sign_up(driver, node, username, display_name, screenshot=None):
    driver.get(node.base + "/signup")
    fill(driver, "username", username)
    fill(driver, "displayName", display_name)
    fill(driver, "password", PASSWORD)
    if screenshot:
        save_screenshot(driver, screenshot)
    submit(driver)
    assert driver.find_element(By.CSS_SELECTOR, "header nav").text.find(display_name) >= 0, "signed in after sign-up"


def sign_in(driver, node, username, password=PASSWORD):
    driver.get(node.base + "/login")
    fill(driver, "username", username)
    fill(driver, "password", password)
    submit(driver)


def sign_out(driver):
    click_and_wait(driver, "form[action='/logout'] button")


def save_screenshot(driver, name, at=None):
    """A PNG of the page at 1100 px wide, for docs/screenshots (kept small);
    from its top, or from the element the CSS selector `at` finds."""
    if os.environ.get("MEENT_SCREENSHOTS", "1") == "0":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return Math.min(document.body.scrollHeight, 1400)")
    driver.set_window_size(1100, max(height + 120, 500))
    if at:
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", at)
    else:
        driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    driver.set_window_size(1100, 900)


def serious_accessibility_problems(driver):
    """axe-core 4.4 (the copy bundled with axe-core-python, so no network) on
    the current page: violations of impact serious or critical, as lines.
    Runs the WCAG 2 A/AA rules and axe's best practices."""
    driver.execute_script(Axe().axe_script)
    driver.set_script_timeout(60)
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'best-practice']}})"
        "  .then(r => done({violations: r.violations})).catch(e => done({error: String(e)}));")
    assert "error" not in results, results.get("error")
    problems = []
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            problems.append(f"{driver.current_url}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return problems


def eventually(condition, retry, seconds=20, driver=None):
    """Waits for something another node delivers: calls `retry` (a reload)
    between tries until `condition` holds."""
    import time
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the other node" + (
            f" on {driver.current_url}:\n{main_text(driver)}" if driver else "")
        time.sleep(0.5)
        retry()
