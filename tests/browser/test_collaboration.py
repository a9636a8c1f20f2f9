"""The collaboration flow in a real browser: sign up, create a closed group,
invite a colleague, co-edit a wiki page until the conflict screen shows both
versions, find the page by search, and sign out. Every main page on the way
is checked with axe-core and photographed for docs/screenshots."""
import re
import urllib.error
import urllib.request
from urllib.parse import quote

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from pages import (click_and_wait, eventually, fill, main_text, save_screenshot, serious_accessibility_problems, sign_in, sign_out,
                   sign_up, submit)


def test_two_colleagues_share_a_closed_group_and_its_wiki(node_a, node_b, browser_factory):
    alice = browser_factory()
    bob = browser_factory()
    problems = []

    def check(driver, screenshot=None):
        problems.extend(serious_accessibility_problems(driver))
        if screenshot:
            save_screenshot(driver, screenshot)

    alice.get(node_a.base + "/")
    check(alice, "home")
    sign_up(alice, node_a, "alice", "Alice de Vries", screenshot="signup")

    # A closed group: only invited people get in.
    alice.get(node_a.base + "/groups/new")
    check(alice)
    fill(alice, "name", "Beleidsteam Water")
    fill(alice, "description", "Samen werken aan **waterbeleid**.")
    fill(alice, "tags", "water, beleid")
    Select(alice.find_element(By.ID, "membershipMode")).select_by_value("closed")
    submit(alice)
    assert alice.current_url.endswith("/groups/beleidsteam-water")
    assert "You are a member of this group." in main_text(alice)
    assert "by invitation only" in main_text(alice)
    check(alice, "group")

    # The colleague works for another organisation: his account lives on node B.
    sign_up(bob, node_b, "bob", "Bob Jansen")
    bob_address = "bob@" + node_b.authority
    mirrored = "beleidsteam-water@" + node_a.authority
    mirrored_path = "/groups/" + quote(mirrored, safe="@")

    alice.get(node_a.base + "/groups/beleidsteam-water/members")
    fill(alice, "invite-username", bob_address)
    click_and_wait(alice, "form[action$='/members/invite'] button")
    invited = alice.find_element(By.CSS_SELECTOR, "main ul.people").text
    assert "Bob Jansen" in invited or bob_address in invited, invited
    check(alice, "group-members")

    # Bob sees the invitation on his own node, opens the mirrored group there
    # (it names its home node) and accepts.
    bob.get(node_b.base + "/notifications")
    eventually(lambda: "invited you to a group" in main_text(bob), lambda: bob.refresh())
    # The Invite comes from the group; its invitedBy lets node B name Alice.
    inviter = bob.find_element(By.CSS_SELECTOR, "ul.notifications li a[href^='/users/alice@']")
    assert inviter.text == f"Alice de Vries ({node_a.authority})", inviter.text
    check(bob, "notifications")
    click_and_wait(bob, "ul.notifications a[href*='/groups/beleidsteam-water']")
    assert node_a.authority in main_text(bob), "a mirrored group shows its home node"
    check(bob, "remote-group")
    click_and_wait(bob, "form[action$='/join'] button")
    eventually(lambda: "You are a member of this group." in main_text(bob), lambda: bob.get(node_b.base + mirrored_path), driver=bob)

    # A discussion with a threaded reply and a like.
    alice.get(node_a.base + "/groups/beleidsteam-water/discussions")
    alice.find_element(By.CSS_SELECTOR, "details.compose summary").click()
    check(alice)
    fill(alice, "title", "Peilbesluit 2027")
    fill(alice, "body", "Wie leest het *concept* mee? <script>alert(1)</script>")
    submit(alice)
    assert "<script>alert(1)</script>" in main_text(alice), "user content is shown as text, never run"
    assert alice.find_elements(By.CSS_SELECTOR, "main .markdown em")[0].text == "concept"
    discussion_url = alice.current_url
    # Bob reads it on his own node and replies there; the reply travels to A.
    bob.get(node_b.base + mirrored_path + "/discussions")
    eventually(lambda: "Peilbesluit 2027" in main_text(bob), bob.refresh)
    click_and_wait(bob, "main a[href^='/content/']")
    fill(bob, "comment-body", "Ik lees mee.")
    click_and_wait(bob, "form.comment-form button[type=submit]")
    click_and_wait(alice, "main article form.like button")
    alice.get(discussion_url)
    eventually(lambda: "Ik lees mee." in main_text(alice), alice.refresh)
    # Alice's notification of the reply names Bob and his node, and leads to his profile as her node knows it.
    alice.get(node_a.base + "/notifications")
    sender = alice.find_element(By.CSS_SELECTOR, "ul.notifications li a[href^='/users/bob@']")
    assert sender.text == f"Bob Jansen ({node_b.authority})", "a sender of another node is named, with his node"
    check(alice, "notifications-remote-sender")
    click_and_wait(alice, "ul.notifications li a[href^='/users/bob@']")
    assert alice.find_element(By.TAG_NAME, "h1").text == "Bob Jansen"
    assert node_b.authority in main_text(alice)
    check(alice)
    alice.get(discussion_url)
    alice.find_element(By.CSS_SELECTOR, "ol.comments details summary").click()
    reply_field = alice.find_element(By.CSS_SELECTOR, "ol.comments textarea")
    reply_field.send_keys("Dank je, Bob.")
    click_and_wait(alice, "ol.comments details form button[type=submit]")
    replies = alice.find_elements(By.CSS_SELECTOR, "ol.comments li.comment")
    assert [reply.get_attribute("class") for reply in replies] == ["comment depth-1", "comment depth-2"]
    assert "Unlike (1)" in alice.find_element(By.CSS_SELECTOR, "main article form.like button").text
    check(alice, "discussion")
    alice.get(node_a.base + "/groups/beleidsteam-water/settings")
    check(alice)

    # Alice starts a wiki page.
    alice.get(node_a.base + "/groups/beleidsteam-water/wiki")
    fill(alice, "title", "Werkafspraken")
    fill(alice, "body", "# Afspraken\n\nWe vergaderen op maandag.\n\nNotulen komen in de wiki.")
    click_and_wait(alice, "form[action$='/wiki'] button")
    page_url = alice.current_url
    assert re.search(r"/wiki/\d+$", page_url), main_text(alice)
    assert "We vergaderen op maandag." in main_text(alice)
    check(alice, "wiki-page")

    # Bob finds the page mirrored on his node.
    bob.get(node_b.base + mirrored_path + "/wiki")
    eventually(lambda: "Werkafspraken" in main_text(bob), bob.refresh)
    click_and_wait(bob, "main a[href^='/wiki/']")
    bob_page_url = bob.current_url
    assert "We vergaderen op maandag." in main_text(bob)

    # Both open the editor on revision 1 and change the same line.
    alice.get(page_url + "/edit")
    bob.get(bob_page_url + "/edit")
    assert bob.find_element(By.NAME, "baseRevision").get_attribute("value") == "1"
    check(bob)
    fill(alice, "body", "# Afspraken\n\nWe vergaderen op dinsdag.\n\nNotulen komen in de wiki.")
    submit(alice)
    assert "We vergaderen op dinsdag." in main_text(alice)

    # Bob saves on B; the home node A refuses it with both versions.
    fill(bob, "body", "# Afspraken\n\nWe vergaderen op woensdag om tien uur.\n\nNotulen komen in de wiki.")
    submit(bob)
    assert "Edit conflict" in bob.find_element(By.TAG_NAME, "h1").text
    current = bob.find_element(By.CSS_SELECTOR, ".current-version").text
    mine = bob.find_element(By.ID, "body").get_attribute("value")
    assert "dinsdag" in current, "the conflict screen shows the version that was saved first"
    assert "woensdag om tien uur" in mine, "the refused text is kept in the editor"
    check(bob, "wiki-conflict")

    # Bob combines both and saves on top of the current revision.
    fill(bob, "body", "# Afspraken\n\nWe vergaderen op dinsdag om tien uur.\n\nNotulen komen in de wiki.")
    submit(bob, ".conflict form")
    assert "dinsdag om tien uur" in main_text(bob)
    assert "woensdag" not in main_text(bob)
    alice.get(page_url)
    eventually(lambda: "dinsdag om tien uur" in main_text(alice), alice.refresh)
    assert "woensdag" not in main_text(alice)

    # History and a diff between revisions 1 and 3.
    bob.get(bob_page_url + "/history")
    eventually(lambda: len(bob.find_elements(By.CSS_SELECTOR, "main tbody tr")) == 3, bob.refresh)
    check(bob, "wiki-history")
    Select(bob.find_element(By.ID, "from")).select_by_value("1")
    Select(bob.find_element(By.ID, "to")).select_by_value("3")
    click_and_wait(bob, "main form.compare button[type=submit]")
    assert "maandag" in bob.find_element(By.CSS_SELECTOR, "pre.diff del").text
    assert "dinsdag om tien uur" in bob.find_element(By.CSS_SELECTOR, "pre.diff ins").text
    check(bob, "wiki-diff")

    # Search on Bob's node finds the mirrored page.
    fill(bob, "site-search", "vergaderen")
    click_and_wait(bob, "header form[role=search] button")
    links = bob.find_elements(By.CSS_SELECTOR, "ul.wiki-results a")
    assert [link.text for link in links] == ["Werkafspraken"]
    check(bob, "search")

    # The dashboard, the group list and the people directory.
    alice.get(node_a.base + "/dashboard")
    check(alice, "dashboard")
    alice.get(node_a.base + "/groups")
    assert "Beleidsteam Water" in main_text(alice)
    check(alice, "groups")
    alice.get(node_a.base + "/people")
    check(alice, "people")
    alice.get(node_a.base + "/groups/beleidsteam-water/members")
    assert bob_address in main_text(alice), "a member from another node is shown with his node"
    alice.get(node_a.base + "/settings/profile")
    check(alice)

    # Node A's administrator sees in the data-flow ledger what went to node B.
    admin = browser_factory()
    sign_in(admin, node_a, *node_a.admin)
    admin.get(node_a.base + "/admin")
    click_and_wait(admin, "nav.tabs a[href='/admin/ledger']")
    rows = admin.find_elements(By.CSS_SELECTOR, "table.ledger tbody tr")
    assert rows, main_text(admin)
    assert any(node_b.authority in row.text for row in rows)
    fill(admin, "ledger-host", node_b.authority)
    click_and_wait(admin, "form.filters button[type=submit]")
    hosts = {row.find_elements(By.TAG_NAME, "td")[2].text for row in admin.find_elements(By.CSS_SELECTOR, "table.ledger tbody tr")}
    assert hosts == {node_b.authority}, hosts
    assert any("/groups/beleidsteam-water" in row.text for row in admin.find_elements(By.CSS_SELECTOR, "table.ledger tbody tr"))
    check(admin, "admin-ledger")
    admin.find_element(By.ID, "ledger-open").click()
    click_and_wait(admin, "form.filters button[type=submit]")
    assert "No entries match this filter." in main_text(admin), "no deletion was asked for"
    check(admin)

    # Signing out ends the session: pages for members send to sign-in.
    sign_out(bob)
    assert "You have been signed out." in main_text(bob)
    bob.get(bob_page_url)
    assert "Werkafspraken" not in main_text(bob), "a closed group's wiki is not shown after signing out"
    bob.get(node_b.base + "/dashboard")
    assert bob.current_url.endswith("/login")

    assert not problems, "\n".join(problems)


def test_a_form_posted_without_its_token_is_refused(node_a):
    request = urllib.request.Request(node_a.base + "/login", data=b"username=alice&password=x", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    try:
        urllib.request.urlopen(request)
        raise AssertionError("the form was accepted without a CSRF token")
    except urllib.error.HTTPError as refused:
        assert refused.code == 403


def test_keyboard_focus_is_visible_and_the_skip_link_comes_first(node_a, browser):
    from selenium.webdriver.common.keys import Keys
    browser.get(node_a.base + "/login")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link"
    outline = browser.execute_script("const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth];")
    assert outline[0] != "none" and outline[1] != "0px", outline
    assert focused.is_displayed() and focused.location["x"] >= 0
    assert not serious_accessibility_problems(browser)
