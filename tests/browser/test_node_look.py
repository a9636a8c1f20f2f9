"""Branding per node and the page language, as a visitor and an
administrator see them in the browser."""
import base64
import tempfile
import urllib.request

from selenium.webdriver.common.by import By

from pages import click_and_wait, main_text, save_screenshot, serious_accessibility_problems, sign_in

# A 2×2 PNG, enough to be a logo.
LOGO = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")


def test_an_administrator_brands_the_node_and_text_stays_readable(node_a, browser):
    username, password = node_a.admin
    sign_in(browser, node_a, username, password)
    browser.get(node_a.base + "/admin")
    assert username in main_text(browser)
    problems = serious_accessibility_problems(browser)

    # A profile field everyone can fill in, with the visibility they choose.
    browser.find_element(By.ID, "field-label").send_keys("Afdeling")
    browser.find_element(By.ID, "field-key").send_keys("afdeling")
    click_and_wait(browser, "form[action='/admin/fields'] button")
    assert "Afdeling (afdeling, text)" in main_text(browser)
    browser.get(node_a.base + "/settings/profile")
    assert browser.find_element(By.ID, "visibility-afdeling").get_attribute("value") == "users"

    browser.get(node_a.base + "/admin/branding")
    browser.find_element(By.ID, "brand-name").send_keys("Gemeente Aa — Samenwerken")
    # Colour inputs open a picker; set their value as the picker would.
    browser.execute_script("document.getElementById('primaryColor').value = '#ffd500';"
                           "document.getElementById('accentColor').value = '#1d3557';")
    with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as logo:
        logo.write(LOGO)
    browser.find_element(By.ID, "logo").send_keys(logo.name)
    click_and_wait(browser, "main form button[type=submit]")
    assert "The branding has been saved." in main_text(browser)

    header = browser.find_element(By.CSS_SELECTOR, "header.site-header")
    assert "Gemeente Aa — Samenwerken" in header.text
    assert header.value_of_css_property("background-color") == "rgba(255, 213, 0, 1)"
    brand = browser.find_element(By.CSS_SELECTOR, ".brand")
    assert brand.value_of_css_property("color") == "rgba(0, 0, 0, 1)", "dark text on a light colour"
    logo_image = browser.find_element(By.CSS_SELECTOR, ".brand img")
    assert browser.execute_script("return arguments[0].naturalWidth", logo_image) == 2
    problems += serious_accessibility_problems(browser)
    save_screenshot(browser, "admin-branding")

    browser.get(node_a.base + "/admin/federation")
    problems += serious_accessibility_problems(browser)

    # A dark colour turns the header text white; a bad colour is refused.
    browser.get(node_a.base + "/admin/branding")
    browser.execute_script("document.getElementById('primaryColor').value = '#154273';")
    click_and_wait(browser, "main form button[type=submit]")
    assert browser.find_element(By.CSS_SELECTOR, ".brand").value_of_css_property("color") == "rgba(255, 255, 255, 1)"
    assert not problems, "\n".join(problems)


def test_pages_speak_the_visitors_language_and_switch_without_javascript(node_b, browser):
    # No Accept-Language: the node's configured default, Dutch.
    with urllib.request.urlopen(urllib.request.Request(node_b.base + "/login", headers={"Accept": "text/html"})) as answer:
        page = answer.read().decode()
    assert '<html lang="nl">' in page and "Inloggen" in page

    # The browser asks for English and gets it.
    browser.get(node_b.base + "/login")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sign in"

    # The switch in the footer is a plain form; the choice is remembered.
    click_and_wait(browser, "footer button[value=nl]")
    assert browser.current_url.endswith("/login")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Inloggen"
    browser.get(node_b.base + "/signup")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Account aanmaken"
    assert "Waterschap Bee" in browser.find_element(By.CSS_SELECTOR, "header").text
    assert not serious_accessibility_problems(browser)
    save_screenshot(browser, "signup-nl")
