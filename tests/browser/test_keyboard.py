"""Keyboard-only use of the newest pages: My files, a file's page with its
forms, the data-flow ledger and a group's settings. On each, the first Tab
reaches the skip link, Enter on it moves focus to the main content, and Tab
from there reaches the page's main actions in order, each with a visible
focus outline, before leaving the main content."""
import tempfile
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


from pages import click_and_wait, fill, sign_in, sign_up, submit


def press(driver, key):
    """Presses `key` where the focus is, as a person at the keyboard does
    (sending keys to a file input would choose a file instead)."""
    ActionChains(driver).send_keys(key).perform()


def focused(driver):
    return driver.switch_to.active_element


def focus_is_visible(driver):
    outline = driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.boxShadow];")
    return (outline[0] != "none" and outline[1] != "0px") or outline[2] not in ("", "none")


def describe(element):
    return element.get_attribute("outerHTML")[:120]


def tab_through_main(driver, url, actions):
    """Loads `url`, uses the skip link and tabs through the main content.
    `actions` are CSS selectors of controls that must get focus, in this
    order. Returns what went wrong, as lines."""
    driver.get(url)
    problems = []
    press(driver, Keys.TAB)
    if focused(driver).get_attribute("class") != "skip-link":
        return [f"{url}: the first Tab reaches {describe(focused(driver))}, not the skip link"]
    press(driver, Keys.ENTER)
    if focused(driver).get_attribute("id") != "main":
        problems.append(f"{url}: the skip link moves focus to {describe(focused(driver))}, not to the main content")
    wanted = list(actions)
    for _ in range(60):
        press(driver, Keys.TAB)
        element = focused(driver)
        inside = driver.execute_script("return document.getElementById('main').contains(document.activeElement);")
        if not inside:
            break
        if not element.is_displayed():
            problems.append(f"{url}: focus reaches a control that is not shown: {describe(element)}")
        elif not focus_is_visible(driver):
            problems.append(f"{url}: focus on {describe(element)} is not visible")
        if wanted and driver.execute_script("return arguments[0].matches(arguments[1]);", element, wanted[0]):
            wanted.pop(0)
    if wanted:
        problems.append(f"{url}: Tab from the main content never reaches {wanted[0]}")
    return problems


def test_the_newest_pages_work_with_the_keyboard_alone(node_a, browser):
    problems = []
    sign_up(browser, node_a, "kees", "Kees Vos")
    browser.get(node_a.base + "/groups/new")
    fill(browser, "name", "Toetsenbord")
    submit(browser)
    group = browser.current_url

    work = Path(tempfile.mkdtemp(prefix="meent-keyboard-"))
    memo = work / "memo.txt"
    memo.write_text("Alleen met het toetsenbord.\n")
    browser.get(node_a.base + "/files")
    browser.find_element(By.ID, "file").send_keys(str(memo))
    click_and_wait(browser, "form.upload button[type=submit]")
    file_page = browser.current_url
    assert "/files/" in file_page

    problems += tab_through_main(browser, node_a.base + "/files",
                                 ["#file", "form.upload button[type=submit]", "#folder-name", "form[action$='/folders'] button"])
    problems += tab_through_main(browser, file_page,
                                 ["a[download]", "#rename-name", "form[action$='/rename'] button", "#delete-confirm",
                                  "form[action$='/delete'] button"])
    problems += tab_through_main(browser, group + "/settings",
                                 ["#name", "form[action$='/settings'] button[type=submit]", "#delete-group-name",
                                  "form[action$='/delete'] button"])

    username, password = node_a.admin
    browser.delete_all_cookies()
    sign_in(browser, node_a, username, password)
    problems += tab_through_main(browser, node_a.base + "/admin/ledger",
                                 ["#ledger-object", "#ledger-host", "#ledger-open", "form.filters button[type=submit]"])
    assert problems == [], "\n".join(problems)
