"""Files and folders in a real browser: a member of a closed group creates a
folder, uploads a file into it (through the JavaScript upload with its
progress bar), sees it listed, downloads the same bytes, uploads a second
version and sees both; someone outside the group gets 404 for the file's
page and its download. The files pages are checked with axe-core."""
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from pages import click_and_wait, fill, main_text, save_screenshot, serious_accessibility_problems, sign_up, submit


def fetch(driver, url):
    """GETs `url` with the browser's cookies: (status, bytes)."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(url, headers={"Cookie": cookies})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def upload(driver, path):
    """Chooses `path` in the page's upload form and waits until the file's page shows."""
    driver.find_element(By.ID, "file").send_keys(str(path))
    click_and_wait(driver, "form.upload button[type=submit]")
    assert "/files/" in driver.current_url


def test_a_member_shares_versions_of_a_file_in_a_closed_group(node_a, browser_factory):
    ria = browser_factory()
    sam = browser_factory()
    problems = []
    work = Path(tempfile.mkdtemp(prefix="meent-files-"))

    sign_up(ria, node_a, "ria", "Ria Bakker")
    ria.get(node_a.base + "/groups/new")
    fill(ria, "name", "Dossier Dijken")
    fill(ria, "description", "Stukken over de dijken.")
    Select(ria.find_element(By.ID, "membershipMode")).select_by_value("closed")
    submit(ria)


    click_and_wait(ria, "nav.tabs a[href$='/files']")
    assert "There are no files or folders here yet." in main_text(ria)
    fill(ria, "folder-name", "Rapporten")
    click_and_wait(ria, "form[action$='/folders'] button")
    assert ria.find_element(By.TAG_NAME, "h1").text == "Rapporten"
    folder = ria.current_url

    first = work / "dijkrapport.txt"
    first.write_bytes(b"Dijkring 14: hoogte 5,2 m\n" * 2000)
    upload(ria, first)
    file_page = ria.current_url
    assert ria.find_element(By.TAG_NAME, "h1").text == "dijkrapport.txt"
    problems.extend(serious_accessibility_problems(ria))

    ria.get(folder)
    assert "dijkrapport.txt" in ria.find_element(By.CSS_SELECTOR, "table.files").text
    assert "Rapporten" in ria.find_element(By.CSS_SELECTOR, "nav.breadcrumbs").text
    problems.extend(serious_accessibility_problems(ria))
    save_screenshot(ria, "files")

    ria.get(file_page)
    download = ria.find_element(By.CSS_SELECTOR, "main a.button[download]").get_attribute("href")
    status, body = fetch(ria, download)
    assert status == 200 and body == first.read_bytes()

    second = work / "dijkrapport-v2.txt"
    second.write_bytes(b"Dijkring 14: hoogte 5,4 m\n")
    upload(ria, second)
    rows = ria.find_elements(By.CSS_SELECTOR, "table.versions tbody tr")
    assert len(rows) == 2
    assert [row.find_element(By.TAG_NAME, "a").text for row in rows] == ["Version 2", "Version 1"], "newest first"
    status, body = fetch(ria, download)
    assert status == 200 and body == second.read_bytes(), "the download serves the newest version"
    status, body = fetch(ria, rows[1].find_element(By.TAG_NAME, "a").get_attribute("href"))
    assert status == 200 and body == first.read_bytes(), "the first version stays downloadable"
    problems.extend(serious_accessibility_problems(ria))
    save_screenshot(ria, "file")

    # Someone outside the closed group finds neither the page nor the bytes.
    sign_up(sam, node_a, "sam", "Sam Visser")
    assert fetch(sam, file_page)[0] == 404
    assert fetch(sam, download)[0] == 404
    sam.get(file_page)
    assert "dijkrapport" not in main_text(sam)

    # Ria renames the file (a name with a slash is refused next to the field), moves
    # it to a new folder and deletes the old folder, then the file itself.
    ria.get(folder)
    click_and_wait(ria, "nav.breadcrumbs a")
    fill(ria, "folder-name", "Archief")
    click_and_wait(ria, "form[action$='/folders'] button")
    archive = ria.current_url
    ria.get(file_page)
    fill(ria, "rename-name", "dijk/rapport")
    click_and_wait(ria, "form[action$='/rename'] button")
    field = ria.find_element(By.ID, "rename-name")
    assert field.get_attribute("aria-invalid") == "true"
    error = ria.find_element(By.ID, field.get_attribute("aria-describedby"))
    assert "'/'" in error.text, error.text
    problems.extend(serious_accessibility_problems(ria))
    save_screenshot(ria, "file-form-error")
    fill(ria, "rename-name", "dijkrapport-2026.txt")
    click_and_wait(ria, "form[action$='/rename'] button")
    assert ria.find_element(By.TAG_NAME, "h1").text == "dijkrapport-2026.txt"
    Select(ria.find_element(By.ID, "move-target")).select_by_visible_text("Archief")
    click_and_wait(ria, "form[action$='/move'] button")
    assert "Archief" in ria.find_element(By.CSS_SELECTOR, "nav.breadcrumbs").text
    save_screenshot(ria, "file-manage", at="section.manage")
    ria.get(archive)
    assert "dijkrapport-2026.txt" in ria.find_element(By.CSS_SELECTOR, "table.files").text

    ria.get(folder)
    assert "dijkrapport" not in main_text(ria).split("Change this folder")[0], "moved out of Rapporten"
    ria.find_element(By.ID, "delete-confirm").click()
    click_and_wait(ria, "form[action$='/delete'] button")
    assert "Rapporten" not in main_text(ria).split("Upload a file")[0]
    ria.get(file_page)
    ria.find_element(By.ID, "delete-confirm").click()
    click_and_wait(ria, "form[action$='/delete'] button")
    assert ria.current_url == archive
    assert fetch(ria, file_page)[0] == 404
    assert fetch(ria, download)[0] == 404

    # Her own files, outside any group.
    click_and_wait(ria, "header a[href='/files']")
    assert ria.find_element(By.TAG_NAME, "h1").text == "My files"
    fill(ria, "folder-name", "Concepten")
    click_and_wait(ria, "form[action='/folders'] button")
    note = work / "concept-brief.txt"
    note.write_bytes(b"Geachte heer, mevrouw,\n")
    upload(ria, note)
    assert "My files" in ria.find_element(By.CSS_SELECTOR, "nav.breadcrumbs").text
    ria.get(node_a.base + "/files")
    problems.extend(serious_accessibility_problems(ria))
    save_screenshot(ria, "my-files")
    personal = ria.find_element(By.CSS_SELECTOR, "table.files a").get_attribute("href")
    assert fetch(sam, personal)[0] == 404, "a personal folder is its owner's"

    assert problems == [], "\n".join(problems)
