"""The page in a real browser: headless Chromium (Debian's chromium + chromium-driver, driven
by python3-selenium), against a `ddbchat serve --demo` of its own.

Pins: sign-in by the link `make run` prints (the fragment leaves the address bar; the token
lives in sessionStorage only) and by pasting a token; two users in two browser sessions, one
sends and the other sees the message within 2 s without reloading, the conversation list
reorders; paging back through 100 messages on scroll (X-Next-Cursor); the message
`<img src=x onerror=alert(1)>` shows as those characters; REST errors in words (unknown
handle, too long, 401 -> sign in again); keyboard use (Enter sends, Shift+Enter a new line)
at phone width; times in the reader's time zone; the Content-Security-Policy (no inline
script, no violation reported by the browser) and CORS unchanged for other origins; seven
tabs of one user share one event stream (a stream per tab took all 6 connections a browser
opens to a server), also without Web Locks (elected on their BroadcastChannel).
After a server restart the page reconnects and shows what was written while it was down,
once each and in order; likewise when the network goes and comes back (Chromium's network
conditions through CDP), and when the stream falls silent (no ping for 35 s).  Unread counts;
a slow send leaves the composer free, Enter meanwhile queues the next; failed sends stay as
'Not sent' with Retry (one Idempotency-Key per message); long words and 64-letter names wrap
at 375 px; focus rings show whole; HTML in names is text.
A screenshot of each view is kept in tests/e2e/artifacts/ (or $DDBCHAT_ARTIFACTS).
"""
import datetime
import json
import math
import os
import re
import shutil
import time
import zoneinfo

import pytest

from msg_fixtures import SECRET, add_user, cli, rest, token
from conftest import start_ddbchat

pytestmark = pytest.mark.requires_ddbchat

ARTIFACTS = os.environ.get("DDBCHAT_ARTIFACTS") or os.path.join(os.path.dirname(__file__),
                                                                "artifacts")
XSS = "<img src=x onerror=alert(1)>"


def shot(driver, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver.save_screenshot(os.path.join(ARTIFACTS, f"web-{name}.png"))


@pytest.fixture(scope="module")
def web(pytestconfig):
    if pytestconfig.getoption("--target") != "ddbchat":
        pytest.skip("the page is served by ddbchat")
    srv = start_ddbchat("--demo", dynamodb_only=False, env={"DDBCHAT_JWT_SECRET": SECRET})
    try:
        ids = {h: add_user(srv, h, n) for h, n in
               [("web_alice", "Alice Web"), ("web_bob", "Bob Web"), ("web_carol", "Carol Web"),
                ("web_dave", "Dave Web"), ("web_erin", "Erin Web")]}
        srv.ids = ids
        srv.tok = {h: token(u, exp_in=3600) for h, u in ids.items()}
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def browser(width=1100, height=800, tz=None):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", "--lang=en-US"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_window_size(width, height)
    if tz:
        d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": tz})
    return d


def by_css(d, css):
    from selenium.webdriver.common.by import By
    return d.find_elements(By.CSS_SELECTOR, css)


def wait(d, pred, seconds=5.0, what="condition"):
    # A bound is what the page needs on a machine with CPU to spare; on a loaded one (make
    # test beside other work: the 1-minute load over the CPUs, up to 5x) it stretches so, e.g.
    # a 2 s wait for a read to reach another tab does not fail at load 13-18 (fixsse27's and
    # fixweb27's runs) while still failing when the read never arrives.
    seconds *= min(5.0, max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)))
    end = time.time() + seconds
    while time.time() < end:
        try:
            v = pred(d)
        except Exception:  # an element replaced while we looked
            v = None
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


@pytest.fixture(scope="module")
def two(web):
    """Two browser sessions for the module (starting Chromium costs seconds); each test
    signs in afresh, which loads the page anew."""
    a = browser()
    try:
        b = browser()
    except Exception:
        a.quit()
        raise
    try:
        yield a, b
    finally:
        a.quit()
        b.quit()


# Scripts a test had run before the page's own (inject), by window: {window handle: [CDP
# identifier]}.  They stay with the window's every later page until removed, and the module
# shares its two browsers: READ_SEAMS of test_read_in_one_tab_is_read_in_the_others faked the
# next test's document.visibilityState and wrapped its fetch.  fresh() removes them.
INJECTED = {}


def inject(d, source):
    """Runs source before the page's own script in every page this window loads, until the
    next fresh() of the window (or the tab is closed)."""
    r = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
    INJECTED.setdefault(d.current_window_handle, []).append(r["identifier"])


def fresh(d, width=1100, height=800, tz="UTC"):
    """A blank page, the window size and time zone a test wants, and none of the scripts an
    earlier test injected into this window."""
    for ident in INJECTED.pop(d.current_window_handle, []):
        d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": ident})
    if d.current_url.startswith("http"):
        # the tab's sessionStorage outlives its pages: an outbox a 401 kept (a message typed
        # as test_errors_in_words's token expires) would greet the next test's user
        d.execute_script("sessionStorage.clear()")
    d.get("about:blank")
    d.set_window_size(width, height)
    d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": tz})
    d.get_log("browser")  # drop what earlier tests logged
    return d


def sign_in_by_link(d, srv, handle, tok=None):
    if not d.current_url.startswith("about:"):  # fresh() left about:blank: a load already
        d.get("about:blank")  # a full load, not a fragment change of the same page
    d.get(f"{srv.api_url}/#token={tok or srv.tok[handle]}")
    wait(d, lambda d: f"@{handle})" in by_css(d, "#me")[0].text and
         by_css(d, "#app:not([hidden])"), 10, "the app view")
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "the live event stream")


def conv_names(d):
    """The names in the conversation list, top to bottom (one round trip)."""
    return d.execute_script("return [...document.querySelectorAll('#conversations .who')]"
                            ".map(e => e.textContent)")


def open_conv(d, name):
    """Clicks the conversation with name in the list (found in one round trip; a button that
    an arriving message or count redraws between finding and clicking is found again)."""
    from selenium.common.exceptions import StaleElementReferenceException
    find = ("return [...document.querySelectorAll('#conversations button')]"
            ".find((b) => b.querySelector('.who').textContent === arguments[0]) || null")
    for _ in range(5):
        # the list loads once the stream is open, after sign_in_by_link's wait: a test that
        # opened one at once found none ("no conversation with Alice Web: ['Alice Web']")
        try:
            b = wait(d, lambda d: d.execute_script(find, name), 5, f"{name} in the list")
        except AssertionError:
            break
        try:
            b.click()
        except StaleElementReferenceException:
            continue
        wait(d, lambda d: by_css(d, "#conv:not([hidden])"), 5, "the conversation")
        return
    raise AssertionError(f"no conversation with {name}: {conv_names(d)}")


def bubbles(d):
    """The texts of the open conversation's messages, oldest first (one round trip)."""
    return d.execute_script("return [...document.querySelectorAll('#messages li .text')]"
                            ".map(e => e.textContent)")


def type_and_enter(d, text):
    """Types text in the composer and presses Enter: one WebDriver command (Element Send Keys
    focuses the element first; a click and two key commands cost ~0.2 s a call under load)."""
    from selenium.webdriver.common.keys import Keys
    by_css(d, "#text")[0].send_keys(text + Keys.ENTER)


def notice(d):
    n = by_css(d, "#notice:not([hidden]) #notice-text")
    return n[0].text if n else ""


def csp_violations(d):
    return [e["message"] for e in d.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def users(srv, *people):
    """Adds each (handle, name) as a user of srv with a bearer token valid an hour, in
    srv.tok[handle] (the set-up of the tests that bring their own people)."""
    for h, n in people:
        srv.tok[h] = token(add_user(srv, h, n), exp_in=3600)


def conv_page(srv, d, who, conv, want, what, seams=()):
    """d's page, fresh, with each of `seams` injected, signed in as `who`, conversation `conv`
    open and showing the messages `want` (`what` names them when they do not come)."""
    d = fresh(d)
    for js in seams:
        inject(d, js)
    sign_in_by_link(d, srv, who)
    open_conv(d, conv)
    wait(d, lambda d: bubbles(d) == want, 5, what)
    return d


def send_rest(srv, frm, text, handle=None, group=None):
    body = {"message": text}
    body.update({"handle": handle} if handle else {"message_group_uuid": group})
    st, _, m = rest(srv, "POST", "/api/messages", srv.tok[frm], body)
    assert st == 200, m
    return m


def server_streams(srv):
    """The live streams open on the server (GET /metrics: ddbchat_events_streams), one REST
    connection each."""
    import re
    import urllib.request
    with urllib.request.urlopen(srv.ddb_url + "/metrics", timeout=10) as r:
        m = re.search(r"^ddbchat_events_streams (\d+)$", r.read().decode(), re.M)
    assert m, "no ddbchat_events_streams in /metrics"
    return int(m.group(1))


# ---- the tests ---------------------------------------------------------------------------

def test_sign_in_by_link_and_by_pasting(web, two):
    d = fresh(two[0])
    d.get(web.api_url + "/")
    wait(d, lambda d: by_css(d, "#signin:not([hidden])"), 10, "the sign-in view")
    shot(d, "signin")
    # a wrong token: said in words, still on the sign-in view
    box = by_css(d, "#token")[0]
    box.send_keys("not-a-token\n")
    err = wait(d, lambda d: by_css(d, "#signin-error:not([hidden])"), 5, "the error")[0]
    assert "token" in err.text.lower() and "check the token" in err.text.lower(), err.text
    # pasting the right one, as copied from the demo's curl line (-H 'Authorization: Bearer
    # <token>'): the header's words are not part of the token (they made it a 401)
    box.clear()
    box.send_keys("Authorization: Bearer " + web.tok["web_dave"] + "\n")
    wait(d, lambda d: by_css(d, "#app:not([hidden])"), 10, "the app view")
    assert "@web_dave" in by_css(d, "#me")[0].text
    assert d.execute_script("return sessionStorage.getItem('ddbchat.token')") == \
        web.tok["web_dave"]
    by_css(d, "#signout")[0].click()
    box = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #token"), 5, "the sign-in view")[0]
    box.send_keys("Bearer " + web.tok["web_dave"] + "\n")
    wait(d, lambda d: by_css(d, "#app:not([hidden])"), 10, "the app view")
    assert "@web_dave" in by_css(d, "#me")[0].text
    # with the curl line's quotes, in any case and spacing (review19 R8)
    for pasted in (f"'Authorization: Bearer {web.tok['web_dave']}'",
                   f'"AUTHORIZATION :  bearer   {web.tok["web_dave"]}"'):
        by_css(d, "#signout")[0].click()
        box = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #token"), 5, "sign-in")[0]
        box.send_keys(pasted + "\n")
        wait(d, lambda d: by_css(d, "#app:not([hidden])"), 10, f"the app view ({pasted[:20]})")
        assert d.execute_script("return sessionStorage.getItem('ddbchat.token')") == \
            web.tok["web_dave"]
    # the link, on the page already open (a fragment change): the fragment is gone from
    # the address bar, the token is in sessionStorage
    d.get(f"{web.api_url}/#token={web.tok['web_carol']}")
    wait(d, lambda d: "@web_carol" in by_css(d, "#me")[0].text, 10, "carol signed in")
    assert "#" not in d.current_url and "token" not in d.current_url
    assert d.execute_script("return sessionStorage.getItem('ddbchat.token')") == \
        web.tok["web_carol"]
    assert d.execute_script("return localStorage.length") == 0
    assert "@web_carol" in by_css(d, "#me")[0].text
    # signing out forgets it
    by_css(d, "#signout")[0].click()
    wait(d, lambda d: by_css(d, "#signin:not([hidden])"), 5, "the sign-in view")
    assert d.execute_script("return sessionStorage.getItem('ddbchat.token')") is None
    assert csp_violations(d) == []


def test_two_users_live(web, two):
    # bob already talks with carol (newest) and dave
    send_rest(web, "web_dave", "hello bob, dave here", handle="web_bob")
    send_rest(web, "web_carol", "hi bob, carol here", handle="web_bob")
    alice, bob = fresh(two[0]), fresh(two[1])
    sign_in_by_link(bob, web, "web_bob")
    wait(bob, lambda d: conv_names(d) == ["Carol Web", "Dave Web"], 5, "bob's list")
    shot(bob, "conversations")
    sign_in_by_link(alice, web, "web_alice")
    # alice starts a conversation by handle, keyboard only
    by_css(alice, "#new-btn")[0].click()
    h = by_css(alice, "#new-handle")[0]
    h.send_keys("web_bob\n")
    wait(alice, lambda d: by_css(d, "#conv:not([hidden])"), 5, "the draft conversation")
    shot(alice, "new-conversation")
    type_and_enter(alice, "Hi Bob, it's Alice")
    t0 = time.time()
    # bob: the new conversation appears on top, without a reload
    wait(bob, lambda d: conv_names(d)[:1] == ["Alice Web"], 2, "alice on top of bob's list")
    took = time.time() - t0
    assert conv_names(bob) == ["Alice Web", "Carol Web", "Dave Web"]
    open_conv(bob, "Alice Web")
    wait(bob, lambda d: bubbles(d) == ["Hi Bob, it's Alice"], 2, "the message")
    # the open conversation gets the next one live, within 2 s
    type_and_enter(alice, "second one")
    t0 = time.time()
    wait(bob, lambda d: bubbles(d)[-1:] == ["second one"], 2, "the live message")
    took = max(took, time.time() - t0)
    # bob answers with Shift+Enter for a new line; alice sees both lines
    from selenium.webdriver.common.keys import Keys
    box = by_css(bob, "#text")[0]
    box.send_keys("line one", Keys.SHIFT, Keys.ENTER, Keys.NULL, "line two", Keys.ENTER)
    wait(alice, lambda d: bubbles(d)[-1:] == ["line one\nline two"], 2, "bob's answer")
    assert by_css(bob, "#text")[0].get_attribute("value") == ""
    # the list reorders when another conversation moves
    send_rest(web, "web_dave", "dave again", handle="web_bob")
    wait(bob, lambda d: conv_names(d) == ["Dave Web", "Alice Web", "Carol Web"], 2,
         "dave on top")
    last = by_css(bob, "#conversations button .last")[0].text
    assert last == "dave again"
    shot(bob, "conversation")
    shot(alice, "conversation-sender")
    print(f"\nlive delivery in the browser: {took:.2f}s at most")
    assert csp_violations(alice) == [] and csp_violations(bob) == []


def test_xss_message_shows_as_text(web, two):
    from selenium.common.exceptions import NoAlertPresentException
    m = send_rest(web, "web_carol", XSS, handle="web_alice")
    d = fresh(two[0])
    sign_in_by_link(d, web, "web_alice")
    wait(d, lambda d: "Carol Web" in conv_names(d), 5, "carol's conversation")
    open_conv(d, "Carol Web")
    wait(d, lambda d: bubbles(d)[-1:] == [XSS], 5, "the message as text")
    # and one arriving live
    send_rest(web, "web_carol", XSS + " live", group=m["message_group_uuid"])
    wait(d, lambda d: bubbles(d)[-1:] == [XSS + " live"], 2, "the live message as text")
    assert by_css(d, "#messages img, #conversations img") == []
    last = [b.find_element("css selector", ".last").text for b in
            by_css(d, "#conversations button")
            if b.find_element("css selector", ".who").text == "Carol Web"][0]
    assert last == XSS + " live"
    try:
        d.switch_to.alert
        raise AssertionError("an alert ran")
    except NoAlertPresentException:
        pass
    shot(d, "xss")


# The links in the open conversation: [href, text, target, rel], in order.
LINKS = """return [...document.querySelectorAll('#messages a')].map((a) =>
  [a.getAttribute('href'), a.textContent, a.target, a.rel, a.hostname]);"""


def test_links_in_messages_open_safely(web, two):
    """An http(s) address in a message is a link, opened in a new tab with rel=noopener
    noreferrer (the page it opens gets no handle on this one, nor its address); the text
    around it stays text, the punctuation that ends a sentence and an unmatched ")" are not
    part of it, and nothing else is a link: not javascript:, data: or a link written as HTML.
    The message reads as it was written.  Before, an address was plain text: copied by hand
    on a phone.
    Outside ASCII a link runs on through letters, marks and digits only (an IDN host such
    as bücher.example, a path in Japanese): CJK punctuation written without a space after an
    address ends it, as does an emoji; else URL() maps them into the host and the link goes
    elsewhere ("https://example.com。次" went to example.com.xn--6jw).  So do letters written
    straight after a host's ASCII top-level label ("https://example.comを見て": no top-level
    domain mixes ASCII and other letters), while an IDN one (.みんな) stays whole; a host
    without a dot is its own last label ("http://intranetを見て" went to
    xn--intranet-ld4g7of691f).  A host whole in ASCII followed by a full stop and other
    letters ends before the full stop ("https://example.com.次は" went to
    example.com.xn--...), while an ASCII name under an IDN top-level domain keeps it
    (www.example.みんな); an ASCII letter followed by hiragana ends a path
    ("https://example.com/pageを見て" went to /page%E3%82%92...), kanji after ASCII do not
    (/wiki/JR東日本), nor の (/wiki/NHKのど自慢 is an article: it linked to /wiki/NHK), nor
    hiragana in an IDN host ("https://sushiすし.jp/menu" linked to https://sushi).  A bidi or other format control (U+202E) ends it too, so none
    is ever in a link's text (".../c" RLO "gnp.exe" read as a link to ".../cexe.png")."""
    me_ = "web_links"
    web.tok[me_] = token(add_user(web, me_, "Links Web"), exp_in=3600)
    texts = [
        "see https://example.com/a?b=1&c=(2). and (http://example.org/x_(y)) too",
        'javascript:alert(1) data:text/html,<b>x</b> <a href="javascript:alert(1)">x</a> '
        "jAvAsCrIpT://example.com/%0Aalert(1) xhttps://example.net",
        "見て https://example.com，更多です https://example.com。次 https://bücher.example/x。"
        "https://ja.wikipedia.org/wiki/東京、https://example.org🎉 https://example.comを見て "
        "https://example.net:8080にも https://example.みんな https://a.b/c\u202egnp.exe",
        "HTTPS://EXAMPLE.COM/UP, https://, http://[bad http://intranetを見て "
        "https://localhost:8443を見て https://example.com.次は https://www.example.みんな "
        "https://example.com/pageを見て https://ja.wikipedia.org/wiki/JR東日本 "
        "https://sushiすし.jp/menu https://ja.wikipedia.org/wiki/NHKのど自慢",
    ]
    g = send_rest(web, "web_alice", texts[0], handle=me_)["message_group_uuid"]
    send_rest(web, "web_alice", texts[1], group=g)
    send_rest(web, "web_alice", texts[2], group=g)
    d = fresh(two[1])
    inject(d, TRAP)
    sign_in_by_link(d, web, me_)
    open_conv(d, "Alice Web")
    wait(d, lambda d: len(bubbles(d)) == 3, 5, "the messages")
    send_rest(web, "web_alice", texts[3], group=g)  # live
    wait(d, lambda d: bubbles(d) == texts, 5, "the messages as written, the live one too")
    want = [["https://example.com/a?b=1&c=(2)", "https://example.com/a?b=1&c=(2)", "example.com"],
            ["http://example.org/x_(y)", "http://example.org/x_(y)", "example.org"],
            ["https://example.com", "https://example.com", "example.com"],
            ["https://example.com", "https://example.com", "example.com"],
            ["https://bücher.example/x", "https://bücher.example/x", "xn--bcher-kva.example"],
            ["https://ja.wikipedia.org/wiki/東京", "https://ja.wikipedia.org/wiki/東京",
             "ja.wikipedia.org"],
            ["https://example.org", "https://example.org", "example.org"],
            ["https://example.com", "https://example.com", "example.com"],
            ["https://example.net:8080", "https://example.net:8080", "example.net"],
            ["https://example.みんな", "https://example.みんな", "example.xn--q9jyb4c"],
            ["https://a.b/c", "https://a.b/c", "a.b"],
            ["HTTPS://EXAMPLE.COM/UP", "HTTPS://EXAMPLE.COM/UP", "example.com"],
            ["http://intranet", "http://intranet", "intranet"],
            ["https://localhost:8443", "https://localhost:8443", "localhost"],
            ["https://example.com", "https://example.com", "example.com"],
            ["https://www.example.みんな", "https://www.example.みんな", "www.example.xn--q9jyb4c"],
            ["https://example.com/page", "https://example.com/page", "example.com"],
            ["https://ja.wikipedia.org/wiki/JR東日本", "https://ja.wikipedia.org/wiki/JR東日本",
             "ja.wikipedia.org"],
            ["https://sushiすし.jp/menu", "https://sushiすし.jp/menu", "xn--sushi-w83dna.jp"],
            ["https://ja.wikipedia.org/wiki/NHKのど自慢", "https://ja.wikipedia.org/wiki/NHKのど自慢",
             "ja.wikipedia.org"]]
    links = d.execute_script(LINKS)
    assert [[x[0], x[1], x[4]] for x in links] == want, links
    assert all(x[2] == "_blank" and set(x[3].split()) >= {"noopener", "noreferrer"}
               for x in links), links
    # one's own message too, at once while it is on its way
    type_and_enter(d, "mine: https://example.com/mine!")
    wait(d, lambda d: d.execute_script(LINKS)[-1:] and
         d.execute_script(LINKS)[-1][:2] == ["https://example.com/mine"] * 2, 5, "my link")
    wait(d, lambda d: not by_css(d, "#messages li.pending"), 5, "sent")
    assert d.execute_script(LINKS)[-1][:2] == ["https://example.com/mine"] * 2
    assert d.execute_script("return window.__ran") == []


# Run before the page's own script: alert/confirm/prompt and image loads recorded, so a script
# or an <img onerror> that ran would leave a trace even if it made no dialog.
TRAP = """window.__ran = [];
for (const f of ['alert', 'confirm', 'prompt']) window[f] = (...a) => { window.__ran.push(f + a); };
"""


def test_xss_display_name_and_handle_show_as_text(web, two):
    # A display name is the other user's text too: `<img src=x onerror=alert(2)>` (a valid
    # name: 1 to 64 characters, no controls) shows as those characters in the list, the
    # conversation's title, the name under each message, the window title and the list's
    # accessible name; a handle typed into "New" comes back in the error notice as text.
    name = "<img src=x onerror=alert(2)><b>B</b>"
    h = "web_xss_name"
    web.tok[h] = token(add_user(web, h, name), exp_in=3600)
    m = send_rest(web, h, "<script>alert(3)</script>", handle="web_erin")
    d = two[1]
    d.switch_to.new_window("tab")
    try:
        fresh(d)
        inject(d, TRAP)
        sign_in_by_link(d, web, "web_erin")
        wait(d, lambda d: name in conv_names(d), 5, "the conversation")
        open_conv(d, name)
        wait(d, lambda d: bubbles(d) == ["<script>alert(3)</script>"], 5, "the message")
        send_rest(web, h, XSS + " live", group=m["message_group_uuid"])
        wait(d, lambda d: bubbles(d)[-1:] == [XSS + " live"], 2, "the live one")
        assert by_css(d, "#conv-title")[0].text == name
        assert d.title == "ddbchat"  # no one's name in the title (history keeps titles)
        assert d.execute_script("return [...document.querySelectorAll('#messages .meta bdi')]"
                                ".map(e => e.textContent)") == [name, name]
        b = [b for b in by_css(d, "#conversations button")
             if b.find_element("css selector", ".who").text == name][0]
        assert b.get_attribute("aria-label").startswith(f"{name} (@{h}): {XSS} live")
        by_css(d, "#new-btn")[0].click()
        by_css(d, "#new-handle")[0].send_keys("<img src=x onerror=alert(4)>\n")
        type_and_enter(d, "hello?")
        text = wait(d, notice, 5, "the notice")
        assert "<img" in text or "handle" in text.lower(), text
        assert by_css(d, "img, b, script:not([src])") == []
        assert d.execute_script("return window.__ran") == []
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])


def test_right_to_left_text_reads_right_to_left(web, two):
    # A Hebrew or Arabic message (or name) takes its direction from its own first strong
    # letter, as chat apps show it: in the page's left-to-right flow "שלום, מה שלומך?" was laid
    # out left to right, its question mark at the wrong end; an English message stays LTR
    # beside it.  The composer follows what is typed (dir=auto) and names are isolated from
    # the time next to them (<bdi>).
    users(web, ("web_rtl", "דוד כהן"), ("web_ltr", "Lee Ltr"))  # new: only this talk
    heb, eng = "שלום, מה שלומך?", "fine, thanks!"
    send_rest(web, "web_rtl", heb, handle="web_ltr")
    d = fresh(two[0])
    sign_in_by_link(d, web, "web_ltr")
    wait(d, lambda d: "דוד כהן" in conv_names(d), 5, "the conversation")
    direction = "return [...document.querySelectorAll(arguments[0])]" \
                ".map(e => getComputedStyle(e).direction)"
    assert d.execute_script(direction, "#conversations .who") == ["rtl"]
    assert d.execute_script(direction, "#conversations .last") == ["rtl"]
    open_conv(d, "דוד כהן")
    wait(d, lambda d: bubbles(d) == [heb], 5, "the message")
    assert d.execute_script(direction, "#conv-title") == ["rtl"]
    type_and_enter(d, eng)
    # stored, not the "Sending…" copy (it has no name: the check below saw one name, once)
    wait(d, lambda d: bubbles(d) == [heb, eng] and not by_css(d, "#messages li.pending"), 5,
         "the answer")
    assert d.execute_script(direction, "#messages li .text") == ["rtl", "ltr"]
    assert d.execute_script("return [...document.querySelectorAll('#messages li .meta bdi')]"
                            ".map(e => e.textContent)") == ["דוד כהן", "Lee Ltr"]
    box = by_css(d, "#text")[0]
    box.send_keys("מה")
    assert d.execute_script(direction, "#text") == ["rtl"]
    box.clear()
    shot(d, "rtl")


def test_new_to_a_handle_with_history_shows_the_history(web, two):
    # "New" to someone whose conversation is not among the loaded ones (the list loads 20 at
    # a time; this one is the oldest of 22) opens a draft; the first message sent from it
    # continues the existing conversation -- and the view now shows that conversation's
    # history too, where it showed only the message just sent (the history appeared only when
    # the conversation was opened again from the list).  The list names the person.
    me = "web_hist"
    web.tok[me] = token(add_user(web, me, "Hist Web"), exp_in=3600)
    old = "web_hist_old"
    web.tok[old] = token(add_user(web, old, "Old Friend"), exp_in=3600)
    for i in range(3):
        send_rest(web, old if i % 2 else me, f"old talk {i}", handle=me if i % 2 else old)
    lonely = "web_hist_lonely"
    add_user(web, lonely, "Lonely Web")
    gl = send_rest(web, me, "only mine, long ago", handle=lonely)["message_group_uuid"]
    for i in range(21):
        h = f"web_hist_{i}"
        web.tok[h] = token(add_user(web, h, f"Newer {i}"), exp_in=3600)
        send_rest(web, h, f"newer {i}", handle=me)
    d = fresh(two[0])
    sign_in_by_link(d, web, me)
    wait(d, lambda d: "Newer 20" in conv_names(d), 5, "the list")
    assert "Old Friend" not in conv_names(d)  # not loaded: the draft case
    by_css(d, "#new-btn")[0].click()
    box = by_css(d, "#new-handle")[0]
    box.send_keys(old + "\n")
    wait(d, lambda d: by_css(d, "#conv:not([hidden])"), 5, "the draft")
    type_and_enter(d, "back again")
    wait(d, lambda d: bubbles(d) == ["old talk 0", "old talk 1", "old talk 2", "back again"],
         5, "the history and the new message, not only the new one")
    wait(d, lambda d: conv_names(d)[:1] == ["Old Friend"], 5, "the conversation on top")
    # a bookmark (the address alone) of a conversation the list's first page does not hold,
    # in which only this user wrote: its messages name no one else, so whom it is with comes
    # from GET /api/message_groups/<uuid>.  It said "not found in your conversations".
    d.get("about:blank")
    d.get(f"{web.api_url}/#c={gl}")
    wait(d, lambda d: by_css(d, "#conv:not([hidden])") and
         by_css(d, "#conv-title")[0].text == "Lonely Web" and
         bubbles(d) == ["only mine, long ago"], 10,
         f"the bookmarked conversation (notice {notice(d)!r})")
    assert by_css(d, "#conv-handle")[0].text == "@" + lonely and notice(d) == ""
    type_and_enter(d, "still there?")
    wait(d, lambda d: bubbles(d) == ["only mine, long ago", "still there?"], 5, "the reply")
    wait(d, lambda d: conv_names(d)[:1] == ["Lonely Web"], 5, "it on top, once")
    assert conv_names(d).count("Lonely Web") == 1
    # someone else's conversation in the address: said in words, nothing opened
    other = send_rest(web, "web_alice", "not yours", handle="web_bob")["message_group_uuid"]
    d.get("about:blank")
    d.get(f"{web.api_url}/#c={other}")
    wait(d, lambda d: notice(d) == "The conversation in the address was not found in your "
         "conversations.", 10, "the notice")
    assert by_css(d, "#conv[hidden]") and "Alice Web" not in conv_names(d)



def test_new_to_a_handle_in_another_case_opens_the_conversation(web, two):
    # Handles are case-insensitive: "New" to WEB_CASE_FRIEND opens the loaded conversation
    # with web_case_friend (its history, its name as registered), not an empty draft
    # titled @WEB_CASE_FRIEND; one's own handle in another case is refused at once.
    me, friend = "web_case_me", "web_case_friend"
    web.tok[me] = token(add_user(web, me, "Case Me"), exp_in=3600)
    web.tok[friend] = token(add_user(web, friend, "Case Friend"), exp_in=3600)
    send_rest(web, friend, "hello from before", handle=me)
    d = fresh(two[0])
    sign_in_by_link(d, web, me)
    wait(d, lambda d: "Case Friend" in conv_names(d), 5, "the list")
    by_css(d, "#new-btn")[0].click()
    by_css(d, "#new-handle")[0].send_keys(friend.upper() + "\n")
    wait(d, lambda d: by_css(d, "#conv:not([hidden])"), 5, "the conversation")
    wait(d, lambda d: bubbles(d) == ["hello from before"], 5, "its history")
    assert by_css(d, "#conv-handle")[0].text == "@" + friend
    by_css(d, "#new-btn")[0].click()
    by_css(d, "#new-handle")[0].send_keys(me.upper() + "\n")
    wait(d, lambda d: notice(d) == "You cannot message yourself.", 5, "the refusal")

def test_paging_back_through_100_messages(web, two):
    st, _, first = rest(web, "POST", "/api/messages", web.tok["web_dave"],
                        {"message": "page 000", "handle": "web_carol"})
    assert st == 200
    g = first["message_group_uuid"]
    for i in range(1, 100):
        send_rest(web, "web_carol" if i % 2 else "web_dave", f"page {i:03d}", group=g)
    d = fresh(two[0], height=700)
    sign_in_by_link(d, web, "web_dave")
    wait(d, lambda d: "Carol Web" in conv_names(d), 5, "the conversation")
    open_conv(d, "Carol Web")
    wait(d, lambda d: bubbles(d)[-1:] == ["page 099"], 5, "the newest page")
    assert len(bubbles(d)) < 100  # one page (40), older ones on scroll
    end = time.time() + 20  # was 20 scrolls 0.3 s apart: 6 s for two pages on any machine
    while len(bubbles(d)) < 100 and time.time() < end:
        n = len(bubbles(d))
        d.execute_script("document.getElementById('messages').scrollTop = 0")
        wait(d, lambda d: len(bubbles(d)) > n, 10, "the next older page")
    got = bubbles(d)
    assert got == [f"page {i:03d}" for i in range(100)], got[:5]
    assert by_css(d, "#messages li.older") == []  # no more pages
    shot(d, "paging")


# An answer lost on the way back: the first POST /api/messages reaches the server, then the page
# sees a network failure (the fetch wrapper throws after the real request completed).
LOSE_FIRST_ANSWER = """
window.__sentKeys = [];
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);  // once per page
let lost = false;
window.fetch = async (path, init) => {
  const post = init && init.method === 'POST' && path === '/api/messages';
  if (post) window.__sentKeys.push((init.headers || {})['Idempotency-Key'] || null);
  const res = await realFetch(path, init);
  if (post && !lost) { lost = true; throw new TypeError('Failed to fetch'); }
  return res;
};
"""



def send_with_answer_lost(d, box, text):
    """Types text in box and presses Enter with the first POST's answer lost on the way back
    (LOSE_FIRST_ANSWER): waits for the page's network notice."""
    from selenium.webdriver.common.keys import Keys
    d.execute_script(LOSE_FIRST_ANSWER)
    d.execute_script("arguments[0].value = arguments[1];"
                     "arguments[0].dispatchEvent(new Event('input'))", box, text)
    box.send_keys(Keys.END, Keys.ENTER)
    # the send is over (its POST made, its finally run: Send no longer busy) and its notice
    # shown.  The notice alone was not enough: an earlier send's stays up 10 s, so the second
    # call went on at once, saw its message arrive by the live stream while its POST's answer
    # had not come back yet, and pressed Send while it was still busy: the click did nothing
    # and no second POST came (flaky under load: "timed out after 15s waiting for the send").
    wait(d, lambda d: d.execute_script(
        "return window.__sentKeys.length === 1 && !document.querySelector('#send').dataset.busy")
        and "cannot reach the server" in notice(d).lower(), 5, "the network notice")


def shown_once_as_stored(d, text):
    """After send_with_answer_lost: the message the server stored shows once, as stored (the
    live stream's copy settles the send whose answer was lost), nothing left "Sending…" or
    "Not sent", and the composer is empty."""
    try:
        wait(d, lambda d: bubbles(d).count(text) == 1 and not by_css(d, "#messages li.pending"),
             15, "the stored message, once")
    except AssertionError as e:
        raise AssertionError(f"{e}; notice {notice(d)!r}; {bubbles(d)}") from None
    assert by_css(d, "#text")[0].get_attribute("value") == ""


def test_errors_in_words(web, two):
    # carol's own conversation to open below (run alone, -k, she had none: the test relied on
    # the earlier tests' messages to her)
    conv = send_rest(web, "web_dave", "a conversation for carol", handle="web_carol")
    d = fresh(two[0])
    t0 = time.monotonic()
    sign_in_by_link(d, web, "web_carol")
    signing_in = time.monotonic() - t0  # how long this machine takes, for the 401 below
    by_css(d, "#new-btn")[0].click()
    by_css(d, "#new-handle")[0].send_keys("nobody_here\n")
    type_and_enter(d, "hello?")
    text = wait(d, notice, 5, "the unknown-handle notice")
    assert text == "No user has the handle nobody_here.", text
    shot(d, "error-unknown-handle")
    # too long: the counter says so and Send is off; Enter explains in words
    t0 = time.monotonic()
    open_conv(d, wait(d, conv_names, 5, "a conversation")[0])
    signing_in += time.monotonic() - t0
    box = by_css(d, "#text")[0]
    d.execute_script("arguments[0].value = 'x'.repeat(1025);"
                     "arguments[0].dispatchEvent(new Event('input'))", box)
    assert "too long" in by_css(d, "#count")[0].text
    assert not by_css(d, "#send")[0].is_enabled()
    from selenium.webdriver.common.keys import Keys
    box.send_keys(Keys.END, Keys.ENTER)
    text = wait(d, lambda d: "1024" in notice(d) and notice(d), 5, "the too-long notice")
    assert "1025 characters" in text and "at most 1024" in text, text
    # 1,024 characters of emoji (4 bytes each) are fine: characters, not bytes
    d.execute_script("arguments[0].value = '\\u{1F600}'.repeat(1024);"
                     "arguments[0].dispatchEvent(new Event('input'))", box)
    assert by_css(d, "#count")[0].text == "1024 / 1024"
    assert by_css(d, "#send")[0].is_enabled()
    # An answer lost on the way back: said in words; the message the server stored comes by
    # the live stream and settles the send: shown once, nothing to send again (before
    # 6a9dc36 the text stayed in the composer, and Send again had to carry the same
    # Idempotency-Key not to store it twice; test_failed_sends_stay_in_their_conversation
    # pins that key when the stream cannot tell)
    text = f"sent once {time.time():.6f}"
    send_with_answer_lost(d, box, text)
    shown_once_as_stored(d, text)
    st, _, page = rest(web, "GET", f"/api/messages/{conv['message_group_uuid']}",
                       web.tok["web_carol"])
    assert st == 200 and [m["message"] for m in page].count(text) == 1, page
    # The same for the first message of a new conversation, opened by handle: the live stream
    # delivers the stored message (and with it the conversation's uuid)
    by_css(d, "#new-btn")[0].click()
    by_css(d, "#new-handle")[0].send_keys("web_erin\n")
    wait(d, lambda d: by_css(d, "#conv:not([hidden])"), 5, "the draft conversation")
    first = f"first to erin {time.time():.6f}"
    send_with_answer_lost(d, box, first)
    shown_once_as_stored(d, first)
    st, _, groups = rest(web, "GET", "/api/message_groups", web.tok["web_carol"])
    g = [g for g in groups if g["handle"] == "web_erin"]
    assert st == 200 and len(g) == 1, groups
    st, _, page = rest(web, "GET", f"/api/messages/{g[0]['uuid']}", web.tok["web_carol"])
    assert st == 200 and [m["message"] for m in page] == [first], page
    assert bubbles(d) == [first], bubbles(d)
    # 401 in the middle of a session (the token expires): back to sign in, said in words.
    # The token lives long enough to sign in and open a conversation on a loaded machine
    # (exp_in=4 gave 3-4 s, and the page signs out about a second after exp, possibly in the
    # middle of that), then the test waits until a second past its exp.  Long enough: four
    # times what signing in and opening a conversation took above, at least 2 s (a fixed 8 s
    # before: ~9 s of waiting on a quiet machine).
    exp = math.ceil(time.time() + max(2.0, 4 * signing_in))
    short = token(web.ids["web_carol"], exp_in=None, exp=exp)
    sign_in_by_link(d, web, "web_carol", tok=short)
    open_conv(d, wait(d, conv_names, 5, "a conversation")[0])
    assert time.time() < exp, "signed in after the token's exp: nothing left to test"
    # the server refuses the token now (a condition: was a sleep to a second past exp)
    wait(d, lambda d: rest(web, "GET", "/api/me", short)[0] == 401, exp + 5 - time.time(),
         "the token refused")
    # The live stream ends about a second after the token's exp (659b410) and its
    # reconnection's ticket request gets the 401, which may sign the page out before anything
    # is typed (the composer is hidden then); otherwise the send's own 401 does.  Either way
    # the user lands on the sign-in view with the reason.  The sign-out may also come between
    # the check and the click, which then lands on the page being swapped (CI of 5f1b8f3:
    # "element click intercepted ... Other element would receive the click: <html>").
    from selenium.common.exceptions import (ElementClickInterceptedException,
                                            ElementNotInteractableException,
                                            StaleElementReferenceException)
    try:
        if by_css(d, "#text")[0].is_displayed():
            type_and_enter(d, "after expiry")
    except (ElementClickInterceptedException, ElementNotInteractableException,
            StaleElementReferenceException):
        pass
    err = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #signin-error:not([hidden])"),
               10, "the sign-in view with the reason")[0]
    assert "sign in again" in err.text.lower(), err.text
    shot(d, "error-signed-out")


def test_phone_width_by_keyboard(web, two):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    # two conversations of bob's own (run alone, -k, he had none: the earlier tests made them)
    send_rest(web, "web_dave", "for the phone", handle="web_bob")
    send_rest(web, "web_carol", "for the phone too", handle="web_bob")
    d = fresh(two[1], width=390, height=800)
    sign_in_by_link(d, web, "web_bob")
    wait(d, lambda d: len(conv_names(d)) >= 2, 5, "the list")
    assert by_css(d, "#list-pane")[0].is_displayed()
    assert not by_css(d, "#conv-pane")[0].is_displayed()
    width = d.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scroll at phone width ({width}px)"
    shot(d, "phone-list")
    # Tab to the first conversation and open it with Enter
    first = by_css(d, "#conversations button")[0]
    d.execute_script("arguments[0].focus()", first)
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait(d, lambda d: by_css(d, "#conv-pane")[0].is_displayed(), 5, "the conversation")
    assert not by_css(d, "#list-pane")[0].is_displayed()
    assert d.switch_to.active_element == by_css(d, "#text")[0]
    ActionChains(d).send_keys("from a phone", Keys.ENTER).perform()
    wait(d, lambda d: bubbles(d)[-1:] == ["from a phone"], 5, "the sent message")
    shot(d, "phone-conversation")
    # Escape goes back to the list, focus on the conversation
    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 5, "the list again")
    assert d.switch_to.active_element.tag_name == "button"


# Every element of the page that lies (partly) outside the window, and the widths of the
# scrolling boxes that are wider than they are shown (a horizontal scroll bar inside the page).
OFF_SCREEN = """
const out = [];
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.width && (r.right > innerWidth + 0.5 || r.left < -0.5)) {
    out.push(`${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
}
for (const s of ['#list-pane', '#messages', '#conv', '#composer', '.topbar', '.conv-head']) {
  const e = document.querySelector(s);
  if (e && e.scrollWidth > e.clientWidth) out.push(`${s} scrolls: ${e.scrollWidth} > ${e.clientWidth}`);
}
if (document.documentElement.scrollWidth > innerWidth) out.push('the page scrolls sideways');
return out;"""


# The buttons (the top bar's, the list's head) whose words take more than one line.
ONE_LINE_BUTTONS = """
const out = [];
for (const b of document.querySelectorAll('.topbar button, .list-head button')) {
  const r = document.createRange();
  r.selectNodeContents(b);
  const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
  if (tops.size > 1) out.push(`${b.id}: ${tops.size} lines`);
}
return out;"""


def test_long_words_and_names_stay_on_screen_at_375px(web, two):
    # A 1,000-letter word, a long URL, 300 emoji and a display name of 64 letters without a
    # space (the longest the service takes) on a 375 px phone: everything wraps or is cut
    # with an ellipsis inside the window; nothing scrolls sideways.  The sender's name under
    # each message (.meta) ran 360 px past the bubble and gave the message list a horizontal
    # scroll bar.
    from selenium.webdriver.common.keys import Keys
    name = "W" * 64
    users(web, ("web_longname", name), ("web_narrow", "Narrow Web"))
    m = send_rest(web, "web_longname", "x" * 1000, handle="web_narrow")
    send_rest(web, "web_longname", "https://example.com/" + "a/" * 300,
              group=m["message_group_uuid"])
    send_rest(web, "web_longname", "\U0001F600" * 300, group=m["message_group_uuid"])
    d = fresh(two[1], width=375, height=700)
    sign_in_by_link(d, web, "web_narrow")
    wait(d, lambda d: conv_names(d) == [name], 5, "the list")
    assert d.execute_script(OFF_SCREEN) == []
    # the top bar's and the list's buttons keep their words on one line (Sign out wrapped
    # into two beside a long name)
    assert d.execute_script(ONE_LINE_BUTTONS) == []
    open_conv(d, name)
    wait(d, lambda d: len(bubbles(d)) == 3, 5, "the messages")
    # the heading cuts the name with an ellipsis: its tooltip has it whole (it had none)
    assert d.execute_script("const h = document.getElementById('conv-title');"
                            "return h.scrollWidth > h.clientWidth && h.title") == name
    box = by_css(d, "#text")[0]
    d.execute_script("arguments[0].value = 'y'.repeat(1000)", box)
    box.send_keys(Keys.END, Keys.ENTER)
    wait(d, lambda d: len(bubbles(d)) == 4, 5, "the sent one")
    shot(d, "phone-long")
    assert d.execute_script(OFF_SCREEN) == []
    # at 320 px (the narrowest phones, 400 % zoom of 1280 px) too, and the page itself never
    # scrolls, either way: the screen readers' live region (#announce, 1 px, visually hidden)
    # stood 1 px below the window, so the whole page scrolled by 1 px with a scroll bar of
    # its own beside the panes' at every width
    d.set_window_size(320, 640)
    wait(d, lambda d: d.execute_script("return innerWidth") <= 320, 2, "320 px")
    assert d.execute_script(OFF_SCREEN) == []
    for view in ("conversation", "list"):
        size = d.execute_script("const e = document.documentElement;"
                                "return [e.scrollWidth, e.clientWidth, e.scrollHeight, "
                                "e.clientHeight]")
        assert size[0] <= size[1] and size[2] <= size[3], (view, size)
        if view == "conversation":
            by_css(d, "#back")[0].click()
            wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 2, "the list")


def tap(d, css):
    """A finger's tap on the first element matching css (touch events through CDP: the page's
    click is a PointerEvent with pointerType 'touch')."""
    r = d.execute_script("return document.querySelector(arguments[0])"
                         ".getBoundingClientRect().toJSON()", css)
    x, y = r["x"] + min(20, r["width"] / 2), r["y"] + r["height"] / 2
    d.execute_cdp_cmd("Input.dispatchTouchEvent",
                      {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    d.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_tap_opens_a_conversation_to_read_it(web, two):
    """On a phone (360 px, a touch screen) a tap on a conversation opens it with the focus in
    its list of messages, not in the composer, so no on-screen keyboard rises over half the
    conversation before a word is read; the composer is a tap away.  By mouse or keyboard
    the composer still takes the focus.  Before, every tap raised the keyboard."""
    me_, o_ = "web_tap_me", "web_tap_o"
    users(web, (me_, "Tap Me"), (o_, "Tap Other"))
    send_rest(web, o_, "read me first", handle=me_)
    d = fresh(two[1], width=360, height=700)
    d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    try:
        sign_in_by_link(d, web, me_)
        wait(d, lambda d: conv_names(d) == ["Tap Other"], 5, "the list")
        tap(d, "#conversations button")
        wait(d, lambda d: bubbles(d) == ["read me first"], 5, "the conversation, opened by a tap")
        assert d.execute_script("return document.activeElement.id") == "messages"
        tap(d, "#text")
        wait(d, lambda d: d.execute_script("return document.activeElement.id") == "text", 5,
             "the composer, tapped")
        by_css(d, "#back")[0].click()
        wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 5, "the list again")
        open_conv(d, "Tap Other")  # a click (WebDriver's mouse): the composer, as before
        assert d.execute_script("return document.activeElement.id") == "text"
    finally:
        d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


# A stand-in for the visual viewport of a phone whose on-screen keyboard rises: Chromium on a
# desktop has no such keyboard, so window.__keyboard(px, top) takes px off the visual
# viewport's height (the keyboard), moves its offsetTop (the browser scrolling the page) and
# tells the page, as the browser does (a "resize" of window.visualViewport).
KEYBOARD_SEAM = r"""(() => {
  const real = window.visualViewport;
  const fake = new EventTarget();
  let kb = 0, top = 0;
  for (const k of ['width', 'offsetLeft', 'pageLeft', 'pageTop', 'scale']) {
    Object.defineProperty(fake, k, { get: () => real[k] });
  }
  Object.defineProperty(fake, 'height', { get: () => real.height - kb });
  Object.defineProperty(fake, 'offsetTop', { get: () => top });
  window.__keyboard = (px, at) => { kb = px; top = at || 0; fake.dispatchEvent(new Event('resize')); };
  Object.defineProperty(window, 'visualViewport', { value: fake, configurable: true });
})();"""

# The controls a finger may tap that are smaller than 44 x 44 px (shown ones only; a link
# inside a message's text is exempt, inline in a sentence as WCAG 2.5.5 allows).
SMALL_TARGETS = """
const out = [];
for (const e of document.querySelectorAll('button, input, textarea, a[href]')) {
  if (!e.getClientRects().length || e.closest('.visually-hidden')) continue;
  if (e.matches('.messages .text a')) continue;
  const r = e.getBoundingClientRect();
  if (r.width < 44 || r.height < 44) {
    out.push(`${e.tagName}#${e.id}.${e.className} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
}
return out;"""

# Where the composer, the newest message and the top bar are against the visible area (the
# visual viewport, keyboard or not): [composer top >= visible top, composer bottom <= visible
# bottom, the newest message's end shown in the list, the heading's top >= visible top, the
# body's height]; and the list's own height, for the message.
IN_SIGHT = """
const v = window.visualViewport;
const top = v.offsetTop, bottom = v.offsetTop + v.height;
const c = document.getElementById('composer').getBoundingClientRect();
const list = document.getElementById('messages').getBoundingClientRect();
const lis = document.querySelectorAll('#messages li[data-uuid]');
const last = lis.length ? lis[lis.length - 1].getBoundingClientRect() : null;
const bar = document.querySelector('.conv-head').getBoundingClientRect();
return [c.top >= top - 0.5, c.bottom <= bottom + 0.5,
        !!last && last.bottom <= list.bottom + 1 && last.bottom > list.top + 20,
        bar.top >= top - 0.5, Math.round(document.body.getBoundingClientRect().height)];"""


def test_the_page_on_a_phone(web, two, tmp_path):
    """Two phones' sizes, 360x640 and 390x844, as a phone shows the page (mobile viewport,
    touch): at both, in the list and the conversation, nothing is wider than the window (a
    long word, a long URL, a long name wrap or are cut), every control a finger taps is 44 px
    at least each way (a message's inline link exempt), screenshots of each view go to the
    test's tmp dir.  The on-screen keyboard rising (the visual viewport shrinking, and
    scrolled) leaves the composer, the conversation's heading and the newest message in
    sight above it; gone, the page takes the whole height again.  The browser's Back (a
    phone's back button) from a conversation shows the list and stays on the page, also when
    the conversation was loaded from its address (a bookmark, a notification); the page's
    own Back (←) is the browser's, so Forward opens the conversation again.  Before session
    31 the composer stayed under the keyboard where the browser only shrinks the visual
    viewport (iOS), the buttons were 26-33 px tall, Back from a conversation loaded by its
    address left the page, and after ← Forward went nowhere."""
    pa, pb, pc = "web_phone_a", "web_phone_b", "web_phone_c"
    users(web, (pa, "Phone A"), (pb, "Phone B " + "Q" * 40), (pc, "Phone C"))
    send_rest(web, pc, "from c", handle=pa)
    g = send_rest(web, pb, "w" * 300, handle=pa)["message_group_uuid"]
    send_rest(web, pb, "https://example.com/" + "long/" * 60, group=g)
    for i in range(12):
        send_rest(web, pa if i % 2 else pb, f"line {i}", group=g)
    name_b = "Phone B " + "Q" * 40
    d = two[1]
    for w, h in ((360, 640), (390, 844)):
        d = fresh(two[1], width=w, height=h)
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": w, "height": h, "deviceScaleFactor": 2, "mobile": True})
        d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled",
                          {"enabled": True, "maxTouchPoints": 5})
        try:
            inject(d, KEYBOARD_SEAM)
            sign_in_by_link(d, web, pa)
            wait(d, lambda d: conv_names(d)[:2] == [name_b, "Phone C"], 5, "the list")
            assert d.execute_script("return [innerWidth, matchMedia('(pointer: coarse)')"
                                    ".matches]") == [w, True]
            assert d.execute_script(OFF_SCREEN) == []
            assert d.execute_script(SMALL_TARGETS) == []
            d.save_screenshot(str(tmp_path / f"phone-{w}-list.png"))
            tap(d, "#conversations button")
            wait(d, lambda d: by_css(d, "#conv-pane")[0].is_displayed() and
                 "line 11" in bubbles(d), 5, "the conversation, by a tap")
            assert not by_css(d, "#list-pane")[0].is_displayed()
            assert d.execute_script(OFF_SCREEN) == []
            assert d.execute_script(SMALL_TARGETS) == []
            d.save_screenshot(str(tmp_path / f"phone-{w}-conversation.png"))
            # the composer's hint fits its one row (the keys' hint ran past it)
            assert by_css(d, "#text")[0].get_attribute("placeholder") == "Write a message"
            tap(d, "#text")
            wait(d, lambda d: d.execute_script("return document.activeElement.id") == "text",
                 5, "the composer, tapped")
            full = d.execute_script(IN_SIGHT)
            assert full[:4] == [True] * 4 and full[4] == h, full
            for kb, top in ((h // 2, 0), (h // 2, 60)):  # risen; the browser scrolled it too
                d.execute_script("window.__keyboard(arguments[0], arguments[1])", kb, top)
                wait(d, lambda d: d.execute_script(IN_SIGHT)[4] == h - kb, 2, "the page fitted")
                assert d.execute_script(IN_SIGHT) == [True] * 4 + [h - kb], (kb, top)
                assert d.execute_script(OFF_SCREEN) == []
            d.save_screenshot(str(tmp_path / f"phone-{w}-keyboard.png"))
            # Enter is a new line on a touch screen alone (no Shift+Enter there); Send sends
            assert d.execute_script("return [matchMedia('(hover: none)').matches, "
                                    "document.getElementById('text').enterKeyHint]") == \
                [True, "enter"]
            type_and_enter(d, f"typed on a {w} px phone")
            by_css(d, "#text")[0].send_keys("two lines")
            assert by_css(d, "#text")[0].get_attribute("value") == \
                f"typed on a {w} px phone\ntwo lines"
            assert not by_css(d, "#messages li.pending")
            tap(d, "#send")
            wait(d, lambda d: bubbles(d)[-1:] == [f"typed on a {w} px phone\ntwo lines"], 5,
                 "sent by Send")
            from selenium.webdriver.common.keys import Keys
            by_css(d, "#text")[0].send_keys("by Ctrl+Enter", Keys.CONTROL, Keys.ENTER)
            wait(d, lambda d: bubbles(d)[-1:] == ["by Ctrl+Enter"], 5, "sent by Ctrl+Enter")
            assert d.execute_script(IN_SIGHT)[:4] == [True] * 4
            d.execute_script("window.__keyboard(0, 0)")
            wait(d, lambda d: d.execute_script(IN_SIGHT)[4] == h, 2, "the whole height again")
            # the browser's Back: the list, on the page; Forward: the conversation
            d.back()
            wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 5, "the list by Back")
            assert d.current_url.startswith(web.api_url) and by_css(d, "#app:not([hidden])")
            d.forward()
            wait(d, lambda d: by_css(d, "#conv-pane")[0].is_displayed(), 5, "by Forward")
            # the page's ←: the list, and Forward opens the conversation again
            tap(d, "#back")
            wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 5, "the list by ←")
            wait(d, lambda d: d.execute_script("return location.hash") == "", 5, "no #c=")
            d.forward()
            wait(d, lambda d: by_css(d, "#conv-pane")[0].is_displayed() and
                 conv_heading(d)[0] == name_b, 5, "the conversation by Forward after ←")
            # loaded from its address: Back shows the list, not the page before it
            d.get("about:blank")
            d.get(f"{web.api_url}/#c={g}")
            wait(d, lambda d: by_css(d, "#conv-pane")[0].is_displayed() and
                 bubbles(d)[-1:] == ["by Ctrl+Enter"], 10, "from the address")
            d.back()
            wait(d, lambda d: d.current_url.startswith(web.api_url) and
                 by_css(d, "#list-pane")[0].is_displayed(), 5, "the list, by Back")
            assert by_css(d, "#app:not([hidden])")
            d.save_screenshot(str(tmp_path / f"phone-{w}-back.png"))
        finally:
            d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
            d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    shots = sorted(p.name for p in tmp_path.iterdir())
    assert len(shots) == 8 and all((tmp_path / n).stat().st_size > 1000 for n in shots), shots


def test_the_composers_hint_on_a_touch_tablet(web, two):
    """On a touch screen alone wider than a phone (a tablet, 1024x768, touch), where Enter is
    a new line, the composer's hint is the short one, as on a phone: it does not say "Enter
    sends, Shift+Enter: new line" (an on-screen keyboard has no Shift+Enter).  At the same
    width with a mouse the hint says the keys, and Enter sends.  Before, the hint followed
    the width alone and told a tablet's user Enter sends, which it did not."""
    from selenium.webdriver.common.keys import Keys
    a_, b_ = "web_tablet_a", "web_tablet_b"
    users(web, (a_, "Tablet A"), (b_, "Tablet B"))
    send_rest(web, b_, "hello tablet", handle=a_)
    keys_hint = "Write a message (Enter sends, Shift+Enter: new line)"
    hint = "return [innerWidth, matchMedia('(hover: none) and (pointer: coarse)').matches," \
        " document.getElementById('text').placeholder," \
        " document.getElementById('text').enterKeyHint]"
    w, h = 1024, 768
    d = fresh(two[1], width=w, height=h)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": w, "height": h, "deviceScaleFactor": 2, "mobile": True})
    d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled",
                      {"enabled": True, "maxTouchPoints": 5})
    try:
        sign_in_by_link(d, web, a_)
        open_conv(d, "Tablet B")
        wait(d, lambda d: bubbles(d) == ["hello tablet"], 5, "the conversation")
        assert d.execute_script(hint) == [w, True, "Write a message", "enter"]
        by_css(d, "#text")[0].send_keys("line one", Keys.ENTER)
        assert by_css(d, "#text")[0].get_attribute("value") == "line one\n"
    finally:
        d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    # the touch gone (the media query's change), the keys' hint back
    wait(d, lambda d: d.execute_script(hint)[1:] == [False, keys_hint, "send"], 5,
         "the keys' hint with a mouse")


def test_who_is_signed_in_shows_at_phone_width(web, two):
    """At 360 px the top bar shows whom the page is signed in as: a 12-letter display name
    whole (the handle after it may be cut), the page's own name giving way.  Before, beside
    Name, the bell and Sign out the name had room for one letter ("S…")."""
    me_ = "web_phone_me"
    web.tok[me_] = token(add_user(web, me_, "Samantha Lee"), exp_in=3600)
    d = fresh(two[1], width=360, height=700)
    sign_in_by_link(d, web, me_)
    fit = d.execute_script(
        "const m = document.getElementById('me').getBoundingClientRect();"
        "const n = document.querySelector('#me bdi').getBoundingClientRect();"
        "return [n.left >= m.left && n.right <= m.right, m.right <= innerWidth, n.width]")
    assert fit[:2] == [True, True], fit
    shot(d, "phone-topbar")
    assert d.execute_script(ONE_LINE_BUTTONS) == []


# The page's POST /api/messages answered 400 with a long reason, as the server may word one:
# the notice that says it runs to several lines.
LONG_REFUSAL = """
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  if (!(init && init.method === 'POST' && path === '/api/messages')) return realFetch(path, init);
  const why = 'the message was refused by a rule of this server that takes many words to ' +
    Array(5).fill('explain, as some of its answers do').join('; ');
  return new Response(JSON.stringify({error: {code: 'validation', message: why}}),
                      {status: 400, headers: {'Content-Type': 'application/json'}});
};
"""

# What a shown notice covers: the controls by id whose middle is not theirs to click (another
# element on top), and whether the notice itself is wholly in the window; the newest message's
# bottom below the list's (scrolled out of sight) when the list shows.
COVERED = """
const out = [];
for (const id of arguments[0]) {
  const e = document.getElementById(id);
  if (!e || !e.getClientRects().length) continue;
  const r = e.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  if (!hit || !(hit === e || e.contains(hit))) out.push(id);
}
const n = document.getElementById('notice').getBoundingClientRect();
const whole = n.height > 0 && n.top >= 0 && n.bottom <= innerHeight && n.left >= 0 &&
  n.right <= innerWidth;
const list = document.getElementById('messages');
const last = list.querySelector('li:last-child');
const hidden = !!last && list.getClientRects().length > 0 &&
  last.getBoundingClientRect().bottom > list.getBoundingClientRect().bottom + 1;
return [out, whole, hidden];"""


def test_a_long_notice_covers_nothing(web, two):
    """A notice of several lines (a long reason from the server) covers no control, on a
    desktop and on a phone: New, Sign out, the composer and Send stay where a click or a tap
    reaches them, the notice is wholly in the window, and the newest message stays in sight.
    Before, the notice floated over the top of the page (fixed, above everything): three
    lines of it covered New at 1100 px, and at 375 px the top bar and New."""
    me_ = "web_noticed"
    web.tok[me_] = token(add_user(web, me_, "Noticed Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    for i in range(30):
        send_rest(web, "web_alice", f"line {i}", group=g)
    ids = ["new-btn", "signout", "text", "send", "back"]
    for width, height in ((1100, 800), (375, 667)):
        d = fresh(two[1], width=width, height=height)
        sign_in_by_link(d, web, me_)
        open_conv(d, "Alice Web")
        wait(d, lambda d: bubbles(d)[-1:] == ["line 29"], 5, "the messages")
        d.execute_script(LONG_REFUSAL)
        type_and_enter(d, "refused")
        wait(d, lambda d: "takes many words" in notice(d), 5, "the notice")
        wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent'")
        shot(d, f"notice-{width}")
        lines = d.execute_script("const n = document.getElementById('notice');"
                                 "return n.getBoundingClientRect().height / "
                                 "parseFloat(getComputedStyle(n).lineHeight)")
        assert lines >= 3, lines  # a long one indeed
        assert d.execute_script(COVERED, ids) == [[], True, False], width
        if width < 700:  # the list, at phone width: New under the notice
            by_css(d, "#back")[0].click()
            wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 2, "the list")
            assert notice(d)
            assert d.execute_script(COVERED, ids)[:2] == [[], True], width


# The element with keyboard focus, and whether its focus ring shows whole: an outline at least
# 2 px wide that no box with overflow clipping (a scrolling pane) cuts at its sides.
FOCUS_RING = """
const e = document.activeElement;
const s = getComputedStyle(e);
const what = e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''}`;
if (e === document.body) return [what, 'body'];
if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2) return [what, 'no outline'];
const grow = parseFloat(s.outlineWidth) + parseFloat(s.outlineOffset);
const r = e.getBoundingClientRect();
for (let p = e.parentElement; p; p = p.parentElement) {
  const ps = getComputedStyle(p);
  if (ps.overflowX === 'visible' && ps.overflowY === 'visible') continue;
  const left = p.getBoundingClientRect().left + p.clientLeft;
  if (r.left - grow < left - 0.5 || r.right + grow > left + p.clientWidth + 0.5) {
    return [what, `cut by ${p.id || p.className}`];
  }
}
return [what, 'ok'];"""


def test_keyboard_focus_is_visible(web, two):
    # Tab through the page, keyboard only: every control it reaches shows its focus ring
    # whole.  A conversation in the list is as wide as its scrolling pane, and its ring (3 px
    # outside the button) was cut off at both sides: two loose lines above and below, which
    # read as the separators between the conversations.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    send_rest(web, "web_erin", "focus one", handle="web_dave")
    send_rest(web, "web_carol", "focus two", handle="web_dave")
    d = fresh(two[0])
    sign_in_by_link(d, web, "web_dave")
    wait(d, lambda d: len(conv_names(d)) >= 2, 5, "the list")
    d.execute_script("document.activeElement.blur()")
    seen = []
    for _ in range(6):  # Name, Notify me, Sign out, New, the first two conversations
        ActionChains(d).send_keys(Keys.TAB).perform()
        seen.append(d.execute_script(FOCUS_RING))
    shot(d, "focus-list")
    # (a conversation with unread messages is a button.has-unread)
    assert ["#new-btn", "ok"] in seen and \
        sum(1 for w in seen if w[0].split(".")[0] == "button" and w[1] == "ok") >= 2, seen
    # open the second conversation with Enter; the composer has focus; Shift+Tab and Tab
    # go through the conversation's controls
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait(d, lambda d: d.switch_to.active_element == by_css(d, "#text")[0], 5, "the composer")
    ActionChains(d).send_keys(Keys.TAB).perform()
    seen.append(d.execute_script(FOCUS_RING))
    for _ in range(2):
        ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        seen.append(d.execute_script(FOCUS_RING))
    assert ["#send", "ok"] in seen and ["#messages", "ok"] in seen, seen
    assert [w for w in seen if w[1] not in ("ok", "body")] == [], seen


def test_new_and_the_notice_by_keyboard(web, two):
    """"New" and the notice, keyboard only.  New opens its form with the focus in the handle
    field; Tab goes field -> Open -> Cancel; Escape (from any of them) closes the form and the
    focus is back on New (before: Escape did nothing, Cancel was reachable by Tab only).  The
    notice's close button, reached by Tab, closes it with Enter or Escape and gives the focus
    back to where it was when the notice came (before: to the page's body)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    d = fresh(two[0])
    sign_in_by_link(d, web, "web_erin")
    keys = lambda *k: ActionChains(d).send_keys(*k).perform()  # noqa: E731
    active = lambda: d.execute_script(  # noqa: E731
        "const a = document.activeElement; return a.id || a.tagName.toLowerCase()")
    form_shown = lambda: by_css(d, "#new-form")[0].is_displayed()  # noqa: E731
    d.execute_script("document.getElementById('new-btn').focus()")
    keys(Keys.ENTER)
    wait(d, lambda d: form_shown() and active() == "new-handle", 2, "the handle field")
    keys("web_")
    order = []
    for _ in range(2):
        keys(Keys.TAB)
        order.append(d.execute_script("return document.activeElement.textContent"))
    assert order == ["Open", "Cancel"], order
    keys(Keys.ESCAPE)  # from Cancel
    wait(d, lambda d: not form_shown(), 2, "the form closed by Escape")
    assert active() == "new-btn"
    keys(Keys.ENTER)
    wait(d, lambda d: form_shown() and active() == "new-handle", 2, "the form again")
    keys(Keys.ESCAPE)  # from the field
    wait(d, lambda d: not form_shown(), 2, "the form closed by Escape from the field")
    assert active() == "new-btn"
    # the notice: one's own handle in New says so; Tab to its close button, Escape
    keys(Keys.ENTER)
    wait(d, lambda d: active() == "new-handle", 2, "the handle field")
    d.execute_script("document.getElementById('new-handle').value = ''")
    keys("web_erin", Keys.ENTER)
    wait(d, lambda d: "cannot message yourself" in notice(d), 2, "the notice")
    assert active() == "new-handle"
    d.execute_script("document.getElementById('notice-close').focus()")
    keys(Keys.ESCAPE)
    wait(d, lambda d: not by_css(d, "#notice")[0].is_displayed(), 2, "the notice closed")
    assert active() == "new-handle" and form_shown()
    # the same with Enter on its close button; then Escape closes New as before
    keys(Keys.ENTER)
    wait(d, lambda d: "cannot message yourself" in notice(d), 2, "the notice again")
    d.execute_script("document.getElementById('notice-close').focus()")
    keys(Keys.ENTER)
    wait(d, lambda d: not by_css(d, "#notice")[0].is_displayed(), 2, "the notice closed")
    assert active() == "new-handle"
    keys(Keys.ESCAPE)
    wait(d, lambda d: not form_shown(), 2, "the form closed")
    assert active() == "new-btn"


def test_times_in_the_readers_time_zone(web, two):
    """Times show in the reader's time zone, and follow it when it changes while the page is
    open (a laptop carried across zones, the system's zone changed): the formatters kept the
    zone of the page's start, so every label stayed in the old zone until a reload.  Here
    the zone moves from +05:30 to -03:30/-02:30 under the open page (CDP
    Emulation.setTimezoneOverride): the list's and the conversation's labels and the full
    time of the tooltip follow within the second the page checks its clock in."""
    m = send_rest(web, "web_dave", "what time is it?", handle="web_alice")
    utc = datetime.datetime.strptime(m["created_at"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    d = fresh(two[0], tz="Asia/Kolkata")
    sign_in_by_link(d, web, "web_alice")
    try:
        wait(d, lambda d: "Dave Web" in conv_names(d), 5, "dave's conversation")
    except AssertionError:
        res = d.execute_script("return performance.getEntriesByType('resource')"
                               ".map(e => e.name + ' ' + e.responseStatus)")
        raise AssertionError(f"{conv_names(d)} {notice(d)!r} {res} "
                             f"{d.execute_script('return document.body.innerText')!r}")
    open_conv(d, "Dave Web")
    labels = lambda d: d.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#conversations time, #messages time')]"
        ".filter(t => t.dateTime === arguments[0]).map(t => [t.textContent, t.title])",
        m["created_at"])
    for tz, abbr in (("Asia/Kolkata", "GMT+5:30"), ("America/St_Johns", "GMT-")):
        d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": tz})
        local = utc.astimezone(zoneinfo.ZoneInfo(tz))
        want = local.strftime("%I:%M %p")  # en-US, hour and minute with 2 digits
        today = datetime.datetime.now(zoneinfo.ZoneInfo(tz)).date()
        if local.date() == today - datetime.timedelta(days=1):  # sent just before midnight
            want = f"Yesterday, {want}"
        elif local.date() != today:  # its date
            want = f"{local.strftime('%b')} {local.day}, {local.year}, {want.lstrip('0')}"
        try:
            wait(d, lambda d: len(labels(d)) == 2 and all(
                t == want and abbr in title for t, title in labels(d)), 3, "the labels")
        except AssertionError as e:
            raise AssertionError(f"{tz}: {labels(d)} want {want!r} and {abbr!r}") from e


def test_page_headers_and_cors(web):
    st, h, _ = rest(web, "GET", "/")
    assert st == 200 and h["content-type"].startswith("text/html")
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and \
        "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert h["x-content-type-options"] == "nosniff"
    for path, ctype in (("/app.js", "text/javascript"), ("/app.css", "text/css"),
                        ("/favicon.svg", "image/svg+xml"), ("/sw.js", "text/javascript")):
        st, h, _ = rest(web, "GET", path)
        assert st == 200 and h["content-type"].startswith(ctype), path
    st, _, body = rest(web, "GET", "/nothing-here")
    assert st == 404 and body["error"]["code"] == "route_not_found"
    st, h, body = rest(web, "POST", "/", body={})
    assert st == 405
    # no inline script or style in the page
    import http.client
    import urllib.parse
    u = urllib.parse.urlparse(web.api_url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", "/")
    html = c.getresponse().read().decode()
    c.close()
    import re
    assert "<script>" not in html and "style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"
    # CORS unchanged: another origin gets no Access-Control-Allow-Origin, on the page or
    # the API (this server has no --cors-origin)
    for path in ("/", "/api/health", "/api/events/ticket"):
        st, h, _ = rest(web, "GET", path, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in h, path


def test_many_tabs_share_one_stream(web, two):
    """Seven tabs of one user in one browser: a browser opens at most 6 HTTP/1.1 connections
    to a server, so a stream per tab held them all from the 6th tab on (the 6th tab's list and
    every send in any tab waited forever, a 7th tab never loaded). The tabs share one stream:
    all load, all are live, all get a message, any can send, and when the tab holding the
    stream closes another takes it over.  The server counts one stream open for the seven
    (GET /metrics, ddbchat_events_streams), also after the handover: each stream holds a
    REST connection, which libmicrohttpd's poll(2) walks at every accept.  In the module's
    first browser (a browser of its own cost a second or more to start): its one tab is
    blank first, so no other stream holds one of its connections, and it is left with one
    blank tab."""
    uid = add_user(web, "web_tabs", "Tabs Web")
    tok = token(uid, exp_in=3600)
    fresh(two[1])  # the other browser holds no stream: the server's count is this one's
    d = fresh(two[0])
    tabs = []
    try:
        d.set_page_load_timeout(15)
        d.set_script_timeout(15)
        wait(d, lambda d: server_streams(web) == 0, 5, "no stream open on the server")
        for i in range(7):
            if i:
                d.switch_to.new_window("tab")
            tabs.append(d.current_window_handle)
            sign_in_by_link(d, web, "web_tabs", tok)
        # one stream on the server for the seven tabs (each its own held seven connections)
        assert server_streams(web) == 1
        send_rest(web, "web_dave", "to every tab", handle="web_tabs")
        for h in tabs:
            d.switch_to.window(h)
            wait(d, lambda d: conv_names(d)[:1] == ["Dave Web"], 5, "the message in each tab")
            assert by_css(d, "#live[data-state=on]")
        # a tab sends (its fetch gets a connection)
        d.switch_to.window(tabs[5])
        open_conv(d, "Dave Web")
        type_and_enter(d, "sent from tab 6")
        wait(d, lambda d: bubbles(d)[-1:] == ["sent from tab 6"], 5, "the sent message")
        st, _, msgs = rest(web, "GET", "/api/messages/" + send_rest(
            web, "web_dave", "and back", handle="web_tabs")["message_group_uuid"],
            web.tok["web_dave"])
        assert [m["message"] for m in msgs[-2:]] == ["sent from tab 6", "and back"]
        wait(d, lambda d: bubbles(d)[-1:] == ["and back"], 5, "the answer, live")
        # the first tab (the one holding the stream) goes: the others stay live
        d.switch_to.window(tabs[0])
        d.close()
        d.switch_to.window(tabs[6])
        # at once: sent while the stream is handed over, it comes by the new one's replay
        send_rest(web, "web_dave", "after the first tab closed", handle="web_tabs")
        for h in tabs[1:]:
            d.switch_to.window(h)
            wait(d, lambda d: "after the first tab closed" in d.execute_script(
                "return document.getElementById('conversations').textContent"), 5,
                "the message after the first tab closed")
        # the closed tab's stream ended on the server, the new holder's is the only one
        wait(d, lambda d: server_streams(web) == 1, 5, "one stream on the server again")
        time.sleep(1)
        assert server_streams(web) == 1
        assert csp_violations(d) == []
    finally:
        left = [h for h in d.window_handles]
        for h in left[1:]:
            d.switch_to.window(h)
            d.close()
        d.switch_to.window(left[0])
        d.get("about:blank")
        d.set_page_load_timeout(300)  # chromedriver's defaults again
        d.set_script_timeout(30)


# Run before the page's own script: no Web Locks (as on a page over plain http from another
# host, which is not a secure context), and every EventSource the page makes kept in __es.
NO_LOCKS = """delete Navigator.prototype.locks;
window.__es = [];
window.EventSource = class extends window.EventSource {
  constructor(...a) { super(...a); window.__es.push(this); }
};"""


def test_tabs_share_one_stream_without_web_locks(web, two):
    """Without the Web Locks API the tabs of one user still share one stream: they elect the
    tab that holds it on their BroadcastChannel (web/app.js electByBeats). Two tabs: one
    stream open between them, both live, both get a message; when the tab holding it closes,
    the other opens one, and a message sent then reaches it."""
    uid = add_user(web, "web_nolocks", "No Locks Web")
    tok = token(uid, exp_in=3600)
    d = two[1]
    home = d.current_window_handle
    tabs = []

    def open_streams():
        n = []
        for h in tabs:
            d.switch_to.window(h)
            n.append(d.execute_script("return window.__es.filter(e => e.readyState !== 2)"
                                      ".length"))
        return n

    try:
        for _ in range(2):
            d.switch_to.new_window("tab")
            tabs.append(d.current_window_handle)
            inject(d, NO_LOCKS)
            sign_in_by_link(d, web, "web_nolocks", tok)
            assert d.execute_script("return navigator.locks === undefined")
        wait(d, lambda d: sum(open_streams()) == 1, 5, "one stream between the tabs")
        send_rest(web, "web_dave", "to the tabs without locks", handle="web_nolocks")
        for h in tabs:
            d.switch_to.window(h)
            wait(d, lambda d: conv_names(d)[:1] == ["Dave Web"], 5, "the message in each tab")
            assert by_css(d, "#live[data-state=on]")
        holder = tabs[open_streams().index(1)]
        d.switch_to.window(holder)
        d.close()
        tabs.remove(holder)
        # at once on the holder's 'bye'; if that is lost, after LEASE_MS (3.5 s) + CLAIM_MS in a
        # background tab whose timers a loaded machine coarsens: wait the lease + 5 s (review6 2.3)
        wait(d, lambda d: open_streams() == [1], 8.5, "the other tab's stream")
        send_rest(web, "web_dave", "after the holder closed", handle="web_nolocks")
        for h in tabs:
            d.switch_to.window(h)
            wait(d, lambda d: "after the holder closed" in d.execute_script(
                "return document.getElementById('conversations').textContent"), 5,
                "the message after the holder closed")
            assert by_css(d, "#live[data-state=on]")
        assert csp_violations(d) == []
    finally:
        for h in tabs:
            d.switch_to.window(h)
            d.close()
        d.switch_to.window(home)


def test_page_catches_up_after_a_server_restart(two, tmp_path):
    """Live delivery after a reconnection, in the browser: the server stops while bob's page
    has a conversation open, three messages are written while it is down (`ddbchat send` on
    its data dir), and it starts again on the same port.  The page reconnects by itself (a new
    ticket, ?last_event_id= of the last event it had) and shows the three messages once each,
    in order, in the open conversation and on top of the list, then the next live one once.
    Bob sends while it is down (the browser online: the server does not answer): the message
    stays as 'Not sent', saying it goes when the server is back, and goes by itself once the
    stream is back, stored once, after the three (before: it waited for Retry)."""
    import subprocess
    from conftest import Server, ddbchat_bin, free_port, stop_process, wait_port
    data = str(tmp_path / "data")
    dport, aport = free_port(), free_port()
    env = dict(os.environ, DDBCHAT_JWT_SECRET=SECRET)

    def start():
        p = subprocess.Popen([ddbchat_bin(), "serve", "--data-dir", data, "--dynamodb-port",
                              str(dport), "--api-port", str(aport), "--quiet", "--demo"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(aport, p, timeout=20)
        return p
    proc = start()
    srv = Server(proc, f"http://127.0.0.1:{dport}", f"http://127.0.0.1:{aport}", data)
    try:
        ids = {h: add_user(srv, h, n) for h, n in (("rs_alice", "Alice R"), ("rs_bob", "Bob R"))}
        srv.tok = {h: token(u, exp_in=3600) for h, u in ids.items()}
        m = send_rest(srv, "rs_alice", "before the restart", handle="rs_bob")
        bob = fresh(two[1])
        sign_in_by_link(bob, srv, "rs_bob")
        open_conv(bob, "Alice R")
        wait(bob, lambda d: bubbles(d) == ["before the restart"], 5, "the first message")
        stop_process(srv.proc)
        wait(bob, lambda d: not by_css(d, "#live[data-state=on]"), 10, "the stream to drop")
        for i in range(3):
            cli(srv, "send", "rs_alice", m["message_group_uuid"], f"while down {i}")
        type_and_enter(bob, "bob while down")
        failed = wait(bob, lambda d: by_css(d, "#messages li.failed"), 10, "'Not sent'")
        assert "when the server is back" in \
            failed[0].find_element("css selector", ".meta").text, failed[0].text
        srv.proc = start()
        want = ["before the restart", "while down 0", "while down 1", "while down 2",
                "bob while down"]
        wait(bob, lambda d: bubbles(d) == want and not by_css(d, "#messages li.pending"), 40,
             "the messages written while it was down, and bob's sent by itself")
        wait(bob, lambda d: by_css(d, "#live[data-state=on]"), 10, "the stream again")
        assert by_css(bob, "#conversations button .last")[0].text == "bob while down"
        send_rest(srv, "rs_alice", "after the restart", group=m["message_group_uuid"])
        wait(bob, lambda d: bubbles(d)[-1:] == ["after the restart"], 5, "the live message")
        time.sleep(0.5)  # no second copy of any of them comes
        st, _, page = rest(srv, "GET", f"/api/messages/{m['message_group_uuid']}",
                           srv.tok["rs_bob"])
        assert st == 200 and [x["message"] for x in page] == want + ["after the restart"], page
        assert bubbles(bob) == want + ["after the restart"]
    finally:
        srv.stop()


def network(d, online):
    """Chromium's network conditions (DevTools' "Offline"): new requests fail at once and
    navigator.onLine follows, but a response already streaming (the event stream) goes on."""
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": not online, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def test_offline_then_back(web, two):
    """The network goes (the browser says so: the 'offline' event) while bob has a
    conversation open, alice writes twice meanwhile, bob tries to send; then it comes back.
    The page drops its stream at once (a stream whose network went may hang unanswered for
    minutes, saying 'live' all along: it stayed 'live' here), says a failed send is the
    network's doing and keeps the message, saying it goes when the network is back; once it
    is ('online') it reconnects at once, not when its backoff next retries (tries 1 s, 3 s,
    7 s ... after the drop with the jitter pinned: back at 3.5 s, the next try was 3.5 s
    away), shows what it missed once each and in order, and sends the message by itself,
    stored once (as chat apps do: it waited as 'Not sent' for a Retry the user had to think
    of).  The notice that said the network went goes as soon as it is back (it stayed up
    for its 10 s beside 'live' while the message it was about went by itself)."""
    bob_ = "web_net_bob"
    web.tok[bob_] = token(add_user(web, bob_, "Net Bob"), exp_in=3600)
    m = send_rest(web, "web_alice", "before the network went", handle=bob_)
    g = m["message_group_uuid"]
    d = fresh(two[1])
    try:
        sign_in_by_link(d, web, bob_)
        open_conv(d, "Alice Web")
        wait(d, lambda d: bubbles(d) == ["before the network went"], 5, "the first message")
        d.execute_script("Math.random = () => 0.5")  # the backoff's jitter: waits of 1, 2, 4 s
        network(d, online=False)
        t0 = time.time()
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 2, "the stream dropped")
        send_rest(web, "web_alice", "while offline 1", group=g)
        send_rest(web, "web_alice", "while offline 2", group=g)
        type_and_enter(d, "sent when back")
        text = wait(d, notice, 5, "the send's notice")
        assert "offline" in text.lower(), text
        failed = wait(d, lambda d: by_css(d, "#messages li.failed"), 2, "'Not sent'")
        assert failed[0].find_element("css selector", ".text").text == "sent when back"
        assert "when the network is back" in \
            failed[0].find_element("css selector", ".meta").text, failed[0].text
        time.sleep(max(0.0, t0 + 3.5 - time.time()))
        # nothing came while offline; the unsent one waits at the bottom
        assert bubbles(d) == ["before the network went", "sent when back"]
        shot(d, "offline")
        assert "offline" in notice(d).lower()  # still up: its 10 s are not over
        network(d, online=True)
        want = ["before the network went", "while offline 1", "while offline 2"]
        wait(d, lambda d: bubbles(d) == want + ["sent when back"] and
             by_css(d, "#live[data-state=on]"), 2, "what it missed, once the network is back")
        # the notice that said the network went goes with it, not 10 s after it came
        assert notice(d) == "" or time.time() - t0 > 10
        wait(d, lambda d: bubbles(d) == want + ["sent when back"] and
             not by_css(d, "#messages li.pending"), 5, "the message sent by itself")
        send_rest(web, "web_alice", "live again", group=g)
        wait(d, lambda d: bubbles(d)[-1:] == ["live again"], 2, "the next live message")
        st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[bob_])
        assert [x["message"] for x in page] == want + ["sent when back", "live again"]
        assert bubbles(d) == want + ["sent when back", "live again"]
    finally:
        network(d, online=True)


# The server busy for sends only: while window.__down, the page's POST /api/messages answer
# 503 overloaded without reaching the server; every POST's Idempotency-Key and message kept.
SENDS_DOWN = """
window.__down = true; window.__posts = [];
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  if (init && init.method === 'POST' && path === '/api/messages') {
    window.__posts.push([(init.headers || {})['Idempotency-Key'], JSON.parse(init.body).message,
                         window.__down]);
    if (window.__down) {
      return new Response(JSON.stringify({error: {code: 'overloaded',
        message: 'the server is overloaded; try again shortly'}}),
        {status: 503, headers: {'Content-Type': 'application/json'}});
    }
  }
  return realFetch(path, init);
};
"""


# Before the page's own script: while window.__sseDown, each event stream the page opens is
# refused (a used-up ticket: the server's 401, the stream's error), as when the server's
# streams are out of reach for a while; window.__streams counts the streams opened.
SSE_DOWN = """const RealES3 = window.EventSource; window.__sseDown = false; window.__streams = 0;
window.EventSource = class extends RealES3 {
  constructor(url, o) { window.__streams++; super(window.__sseDown ? '/api/events?ticket=x' : url, o); }
};"""


# Before the page's own script: while window.__down, the server is out of reach: every fetch
# fails as with no answer ('Failed to fetch'), the browser still online; window.__tickets
# counts the stream's ticket requests.
SERVER_OUT = """window.__down = false; window.__tickets = 0;
const realFetchOut = window.fetch;
window.fetch = (path, init) => {
  if (path === '/api/events/ticket') window.__tickets++;
  return window.__down ? Promise.reject(new TypeError('Failed to fetch')) : realFetchOut(path, init);
};"""


# Before the page's own script: once three stream tickets were asked for, a timer of 1 s or
# more is never run (the backoff's next try among them), so the page can go live again only
# by something other than its backoff; a wait for it can then stretch with the machine's load
# without letting the backoff's own retry pass for it (review27b M4).
HOLD_BACKOFF = """const realSetTimeout = window.setTimeout; let heldTimers = 1e9;
window.setTimeout = (f, ms, ...a) =>
  (ms >= 1000 && (window.__tickets || 0) >= 3) ? ++heldTimers : realSetTimeout(f, ms, ...a);"""


def test_the_stream_back_as_soon_as_the_server_answers(web, two):
    """The server out of reach for a while: the stream's retries back off (1, 2, 4 s ...
    30 s), so when the server answers again it could be half a minute before messages came
    live.  Any request that succeeds meanwhile (here a send) proves the server back: the
    stream reconnects at once, from its last event id, and what came while it was down shows,
    once.  Before, the page stayed 'offline' until the next retry (3-5 s here, up to 37 s).
    (Only after a failure of the server's reach: a stream the server refused keeps its
    backoff, test_a_refused_stream_keeps_its_backoff.)"""
    me_ = "web_sseback"
    web.tok[me_] = token(add_user(web, me_, "Sseback Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    d = conv_page(web, two[1], me_, "Alice Web", ["from alice"],
                  "alice's conversation", seams=(SERVER_OUT, HOLD_BACKOFF))
    # the stream dropped (the 'offline' event closes it) and the server gone
    d.execute_script("window.__down = true; window.__tickets = 0;"
                     "window.dispatchEvent(new Event('offline'))")
    wait(d, lambda d: d.execute_script("return window.__tickets") >= 3, 8,
         "three tries failed (the next held: HOLD_BACKOFF)")
    assert not by_css(d, "#live[data-state=on]")
    send_rest(web, "web_alice", "while the stream was down", group=g)
    d.execute_script("window.__down = false")
    type_and_enter(d, "mine")
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 2,
         "live again at once (the backoff's try is held: only the send's success can do it)")
    wait(d, lambda d: bubbles(d) == ["from alice", "while the stream was down", "mine"], 3,
         "what came meanwhile, once")


def test_a_refused_stream_keeps_its_backoff(web, two):
    """A server at its streams cap refuses the stream (503 overloaded) while its API answers
    fine; EventSource does not show the page the status.  Each request that succeeded
    retried the stream at once (a ticket and a stream each), bypassing the backoff, from
    every tab while the server was overloaded: 12 sends, 12 stream tries.  A refusal keeps
    the backoff: the next try 3-5 s after the third refusal, whatever is sent meanwhile."""
    me_ = "web_ssecap"
    web.tok[me_] = token(add_user(web, me_, "Ssecap Web"), exp_in=3600)
    send_rest(web, "web_alice", "from alice", handle=me_)
    d = conv_page(web, two[1], me_, "Alice Web", ["from alice"],
                  "alice's conversation", seams=(SSE_DOWN,))
    d.execute_script("window.__sseDown = true; window.dispatchEvent(new Event('offline'))")
    wait(d, lambda d: d.execute_script("return window.__streams") >= 4, 8,
         "three streams refused (the next try 3-5 s away)")
    n0 = d.execute_script("return window.__streams")
    t0 = time.time()
    sent = ["from alice"]
    for i in range(12):
        type_and_enter(d, f"sent {i}")
        sent.append(f"sent {i}")
        wait(d, lambda d: bubbles(d) == sent and not by_css(d, "#messages li.pending"), 5,
             f"send {i} stored")
    tries = d.execute_script("return window.__streams") - n0
    took = time.time() - t0
    # the backoff allows one try in the 3-5 s after the third refusal, a second 6-10 s later
    assert tries <= (1 if took < 9 else 2), f"{tries} stream tries during {took:.1f} s of 12 sends"
    assert not by_css(d, "#live[data-state=on]")


# Before the page's own script: while window.__proxyDown, the stream's ticket request is
# answered as a load balancer answers for a server it cannot reach (503 text/plain "no
# healthy upstream": no ddbchat error body) without reaching the server; window.__ticketAt
# holds when each ticket was asked for and __proxyAt when each was answered so (performance.now).
PROXY_503 = """window.__proxyDown = false; window.__ticketAt = []; window.__proxyAt = [];
const realFetchProxy = window.fetch;
window.fetch = (path, init) => {
  if (path !== '/api/events/ticket') return realFetchProxy(path, init);
  window.__ticketAt.push(performance.now());
  if (!window.__proxyDown) return realFetchProxy(path, init);
  window.__proxyAt.push(performance.now());
  return Promise.resolve(new Response('no healthy upstream',
    {status: 503, headers: {'Content-Type': 'text/plain'}}));
};"""


def test_the_stream_back_as_soon_as_a_proxy_answers_again(web, two):
    """Behind a load balancer, a restart of the server is answered 503 by the balancer ("no
    healthy upstream", AWS ALB, Envoy, ingress-nginx), not with ddbchat's JSON error: that
    is the server out of reach, not its refusal, so once a request succeeds again the stream
    reconnects at once, as after a network failure
    (test_the_stream_back_as_soon_as_the_server_answers).  Before, such a 503 counted as the
    server's refusal and the stream waited out its backoff (4.9 s after a send here, up to
    37 s).  Told in the page's own clock, not by a stretched wait: after the fourth 503 the
    backoff's next try is 6-10 s away, the early one comes before it."""
    me_ = "web_sseproxy"
    web.tok[me_] = token(add_user(web, me_, "Sseproxy Web"), exp_in=3600)
    send_rest(web, "web_alice", "from alice", handle=me_)
    d = conv_page(web, two[1], me_, "Alice Web", ["from alice"],
                  "alice's conversation", seams=(PROXY_503,))
    d.execute_script("window.__proxyDown = true; window.dispatchEvent(new Event('offline'))")
    wait(d, lambda d: len(d.execute_script("return window.__proxyAt")) >= 4, 12,
         "four tickets answered 503 by the proxy (the next try 6-10 s away)")
    d.execute_script("window.__proxyDown = false")
    fourth = d.execute_script("return window.__proxyAt")[3]
    type_and_enter(d, "mine")
    wait(d, lambda d: bubbles(d) == ["from alice", "mine"] and
         not by_css(d, "#messages li.pending"), 5, "the send stored")
    sent = d.execute_script("return performance.now()")
    # the early try follows the send's answer; one stored later could not tell it apart
    assert sent < fourth + 6000, f"the send took until {sent - fourth:.0f} ms after the 503"
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "live again")
    after = [t for t in d.execute_script("return window.__ticketAt") if t > fourth]
    assert after and after[0] < fourth + 6000, \
        f"next ticket {after[0] - fourth:.0f} ms after the fourth 503, the send stored at " \
        f"{sent - fourth:.0f} ms: the backoff's try, not the early one"


# Before the page's own script: while window.__ticketBusy, the stream's ticket request is
# answered 503 overloaded with Retry-After: window.__retryAfter s (4 unless set; a server at
# its tickets cap) without reaching the server; window.__busyAt holds when each was answered
# (performance.now, ms).
TICKET_BUSY = """window.__ticketBusy = false; window.__busyAt = []; window.__retryAfter = '4';
const realFetchBusy = window.fetch;
window.fetch = (path, init) => {
  if (path === '/api/events/ticket' && window.__ticketBusy) {
    window.__busyAt.push(performance.now());
    return Promise.resolve(new Response(JSON.stringify({error: {code: 'overloaded',
      message: 'too many event streams or tickets: try again later'}}),
      {status: 503, headers: {'Content-Type': 'application/json',
        'Retry-After': window.__retryAfter}}));
  }
  return realFetchBusy(path, init);
};"""


def test_the_stream_waits_as_long_as_retry_after_says(web, two):
    """A ticket refused 503 with Retry-After (RFC 9110 10.2.3; the server's `overloaded`
    carries one): the next try waits that long, not the backoff's 1 s, and a send that
    succeeds meanwhile does not try sooner.  Before, the next try came after ~1 s."""
    me_ = "web_sseafter"
    web.tok[me_] = token(add_user(web, me_, "Sseafter Web"), exp_in=3600)
    send_rest(web, "web_alice", "from alice", handle=me_)
    d = conv_page(web, two[1], me_, "Alice Web", ["from alice"],
                  "alice's conversation", seams=(TICKET_BUSY,))
    # The countdown is read against a Retry-After of 30 s, so that two readings a second or
    # more apart are inside one wait however slow the webdriver's round trips are on a loaded
    # host; with 4 s the second reading could come after the retry and see a fresh "4 s"
    # (r33b #3).  The 4-s wait, and a send meanwhile, come after.
    d.execute_script("window.__retryAfter = '30'; window.__ticketBusy = true;"
                     " window.dispatchEvent(new Event('offline'))")
    wait(d, lambda d: len(d.execute_script("return window.__busyAt")) >= 1, 3, "a refused ticket")
    # "offline" says when the next try is, counted down (before: nothing said when)
    retry = lambda d: d.execute_script(  # noqa: E731
        "return [document.getElementById('live-text').textContent,"
        " document.getElementById('live-retry').textContent]")
    first = wait(d, lambda d: retry(d)[1] and retry(d), 3, "the countdown")
    assert first[0] == "offline" and re.fullmatch(r" · retrying in \d+ s", first[1]), first
    assert 20 <= int(first[1].split()[-2]) <= 30, first
    later = wait(d, lambda d: (lambda r: r if r[1] and r[1] != first[1] else None)(retry(d)),
                 5, "the countdown to go down")
    assert int(later[1].split()[-2]) < int(first[1].split()[-2]), (first, later)
    # at phone width the words go ("offline · 23 s") and the top bar holds in 360 px
    size = d.get_window_size()
    try:
        d.set_window_size(360, 740)
        phone = wait(d, lambda d: d.execute_script(
            "const t = document.querySelector('.topbar'), l = document.getElementById('live');"
            "return innerWidth <= 400 && l.innerText.includes('·') &&"
            " [l.innerText, t.scrollWidth <= t.clientWidth]"), 3, "the countdown at 360 px")
        # (innerText: what is laid out, the visually hidden "Connection:" too)
        assert re.search(r"(^|\s)offline · \d+ s$", phone[0]) and phone[1], phone
        assert 1 <= int(phone[0].split()[-2]) < int(first[1].split()[-2]), (first, phone)
    finally:
        d.set_window_size(size["width"], size["height"])
    # now a refusal with Retry-After: 4, tried at once ('online')
    d.execute_script("window.__retryAfter = '4'; window.dispatchEvent(new Event('online'))")
    at = wait(d, lambda d: (lambda a: a if len(a) >= 2 else None)(
        d.execute_script("return window.__busyAt")), 3, "the refused ticket with 4 s")
    type_and_enter(d, "meanwhile")
    wait(d, lambda d: bubbles(d) == ["from alice", "meanwhile"] and
         not by_css(d, "#messages li.pending"), 5, "the send stored")
    at = wait(d, lambda d: (lambda a: a if len(a) >= 3 else None)(
        d.execute_script("return window.__busyAt")), 8, "the try after it")
    assert len(at) == 3 and at[2] - at[1] >= 3900, \
        f"the try {at[2] - at[1]:.0f} ms after the refusal with 4 s: {at}"
    d.execute_script("window.__ticketBusy = false")
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 8, "live once the tickets are given")
    assert retry(d) == ["live", ""], retry(d)


def test_sends_that_met_a_server_down_go_by_themselves(web, two):
    """Sends answered 503 (the browser online, the stream still live) stay as 'Not sent',
    saying they go when the server is back; one typed meanwhile does not overtake them ('one'
    is tried again before it, still 503, and 'two' waits behind it); once the server answers
    a later request (opening another conversation: its GET), both go by themselves, in the
    order typed, each with its own Idempotency-Key and once, and are stored once each.
    Before: they waited for Retry, and a message typed after them was stored first."""
    me_ = "web_down"
    web.tok[me_] = token(add_user(web, me_, "Down Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "before", handle=me_)["message_group_uuid"]
    send_rest(web, "web_bob", "other", handle=me_)
    d = conv_page(web, two[1], me_, "Alice Web", ["before"], "the first message")
    # the page's mark-read of 'before' (sent 0.5 s after it shows) answered first: any answer
    # tells the page the server is back, and one that came after 'one' failed sent 'one' a
    # third time while down (flaky under load: ['one', 'one', 'one', 'one', 'two'])
    wait(d, lambda d: listing(web, me_)["web_alice"][0] == 0, 5, "'before' marked read")
    d.execute_script(SENDS_DOWN)
    type_and_enter(d, "one")
    wait(d, lambda d: len(by_css(d, "#messages li.failed")) == 1, 5, "'one' not sent")
    meta = by_css(d, "#messages li.failed .meta")[0].text
    assert "when the server is back" in meta, meta
    type_and_enter(d, "two")  # 'one' tried again first: 503, 'two' waits with it
    wait(d, lambda d: len(by_css(d, "#messages li.failed")) == 2, 5, "both not sent")
    assert bubbles(d) == ["before", "one", "two"]
    d.execute_script("window.__down = false")
    open_conv(d, "Bob Web")  # a request that succeeds: the server is back
    wait(d, lambda d: bubbles(d) == ["other"], 5, "bob's conversation")
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d) == ["before", "one", "two"] and
         not by_css(d, "#messages li.pending"), 5, "both sent by themselves")
    posts = d.execute_script("return window.__posts")
    # 'one' again before 'two' (which waits behind it, not tried while 'one' fails), then
    # both once the server is back
    assert [p[1] for p in posts] == ["one", "one", "one", "two"], posts
    assert [p[2] for p in posts] == [True, True, False, False], posts
    keys = {}
    for k, text, _ in posts:
        keys.setdefault(text, set()).add(k)
    assert all(len(v) == 1 for v in keys.values()) and keys["one"] != keys["two"], posts
    st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[me_])
    assert st == 200 and [m["message"] for m in page] == ["before", "one", "two"], page


def test_a_send_into_a_hung_server_goes_again_once(web, two):
    """A send the server takes and never answers (hung: stopped here by SIGSTOP, its
    connections open and silent) is given up after the page's timeout (lowered to 2 s here;
    30 s by default, past the server's own 20 s deadline) and shown "Not sent: the server did
    not answer; it goes when the server is back", the composer free.  Once the server runs
    again it is stored once, whether its first try got through after all or it went again
    with the same Idempotency-Key (the server dedupes the key; the stream's ping says the
    server answers), and both people see it once.  Before session 31 it stayed "Sending…"
    until the browser gave up on the request (minutes), every later send queued behind it."""
    import signal
    a_, b_ = "web_hung_a", "web_hung_b"
    users(web, (a_, "Hung A"), (b_, "Hung B"))
    g = send_rest(web, b_, "before", handle=a_)["message_group_uuid"]
    alice, bob = fresh(two[0]), fresh(two[1])
    sign_in_by_link(alice, web, a_)
    sign_in_by_link(bob, web, b_)
    open_conv(alice, "Hung B")
    open_conv(bob, "Hung A")
    for d in (alice, bob):
        wait(d, lambda d: bubbles(d) == ["before"], 5, "the first message")
    # its mark-read answered: no request of the page's own in flight into the stop
    wait(alice, lambda d: listing(web, a_)[b_][0] == 0, 5, "'before' marked read")
    alice.execute_script("document.getElementById('composer').dataset.timeout = '2000'")
    web.proc.send_signal(signal.SIGSTOP)
    try:
        type_and_enter(alice, "into the hang")
        wait(alice, lambda d: by_css(d, "#messages li.failed"), 4, "the send given up")
        meta = by_css(alice, "#messages li.failed .meta")[0].text
        assert "the server did not answer" in meta and "when the server is back" in meta, meta
        assert by_css(alice, "#text")[0].get_attribute("value") == ""
    finally:
        web.proc.send_signal(signal.SIGCONT)
    for d in (alice, bob):
        wait(d, lambda d: bubbles(d) == ["before", "into the hang"] and
             not by_css(d, "#messages li.pending"), 20, "stored, and shown once")
    st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[a_])
    assert st == 200 and [m["message"] for m in page] == ["before", "into the hang"], page


def test_a_delete_into_a_hung_server_is_given_up(web, two):
    """A Delete the server takes and never answers (SIGSTOP) is given up after the page's
    timeout (2 s here, 30 s by default, as a send's): the message is back with its Delete and
    the notice says the server did not answer.  The server, running again, may still apply
    the request it holds: then the message goes by the stream's delete event, as any delete
    from elsewhere does.  Before session 31 it stayed "Deleting…" until the browser gave up
    on the request (minutes)."""
    import signal
    a_, b_ = "web_hungdel_a", "web_hungdel_b"
    for h, n in ((a_, "HungDel A"), (b_, "HungDel B")):
        web.tok[h] = token(add_user(web, h, n), exp_in=3600)
    g = send_rest(web, b_, "before", handle=a_)["message_group_uuid"]
    send_rest(web, a_, "take me back", group=g)
    d = fresh(two[0])
    sign_in_by_link(d, web, a_)
    open_conv(d, "HungDel B")
    wait(d, lambda d: bubbles(d) == ["before", "take me back"], 5, "the messages")
    wait(d, lambda d: listing(web, a_)[b_][0] == 0, 5, "marked read")
    d.execute_script("document.getElementById('composer').dataset.timeout = '2000'")
    web.proc.send_signal(signal.SIGSTOP)
    try:
        by_css(d, "#messages li.mine .del")[0].click()
        wait(d, lambda d: by_css(d, "#messages .ask .yes"), 5, "the question")[0].click()
        wait(d, lambda d: by_css(d, "#messages li.deleting"), 2, "Deleting…")
        wait(d, lambda d: not by_css(d, "#messages li.deleting") and
             by_css(d, "#messages li.mine .del"), 4, "given up: the message back")
        assert "did not answer" in notice(d), notice(d)
        assert bubbles(d) == ["before", "take me back"]
    finally:
        web.proc.send_signal(signal.SIGCONT)
    # whatever the server did with the request it held, the page shows what it holds
    time.sleep(1)
    wait(d, lambda d: bubbles(d) == [m["message"] for m in
                                     rest(web, "GET", f"/api/messages/{g}", web.tok[a_])[2]],
         10, "the page as the server")


class StallProxy:
    """The server as a stalled one looks to the page: a loopback proxy in front of srv's
    REST port that passes every byte both ways, except that a request whose first line
    starts with one of `stalls` ("PUT /api/me") is read and never forwarded nor answered:
    its connection stays open and silent until close() (a hung server, a proxy holding the
    request).  `held` counts the requests held, by the prefix that held them.  Bounded:
    loopback only, one thread per connection and direction, all ended by close()."""

    def __init__(self, srv):
        import socket
        import threading
        from urllib.parse import urlsplit
        up = urlsplit(srv.api_url)
        self.up = (up.hostname, up.port)
        self.stalls = set()
        self.held = {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.socks = []
        self.ls = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.ls.getsockname()[1]}"
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        import socket
        import threading
        while not self.done.is_set():
            try:
                c, _ = self.ls.accept()
                u = socket.create_connection(self.up, timeout=10)
                u.settimeout(None)
            except OSError:
                continue
            with self.lock:
                self.socks += [c, u]
            for a, b, ask in ((c, u, True), (u, c, False)):
                t = threading.Thread(target=self._pump, args=(a, b, ask), daemon=True)
                t.start()

    def _pump(self, a, b, ask):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                head = data[:200].decode("latin-1")
                hit = ask and next((p for p in list(self.stalls) if head.startswith(p)), None)
                if hit:
                    with self.lock:
                        self.held[hit] = self.held.get(hit, 0) + 1
                    self.done.wait()  # never forwarded: held until close()
                    break
                b.sendall(data)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(2)
            except OSError:
                pass

    def count(self, prefix):
        with self.lock:
            return self.held.get(prefix, 0)

    def close(self):
        self.done.set()
        self.ls.close()
        with self.lock:
            for x in self.socks:
                try:
                    x.close()
                except OSError:
                    pass


def test_requests_into_a_stalled_server_are_given_up_and_tried_again(web, two):
    """Behind a proxy that holds chosen requests unanswered (StallProxy), each request of the
    page is given up after its timeout (30 s, 2 s here by #composer data-timeout) and goes
    again, with what the user typed and chose kept:
    - a page of messages that never comes says so in the conversation, "Messages did not
      load: the server did not answer in 2 s." with "Try again", and the notice (role=alert)
      reads it out; the draft and the conversation chosen stay; Try again loads it;
    - a rename (PUT /api/me) leaves the form open with the name typed and Save enabled, the
      focus back on the name, the notice saying Save tries again; Enter then saves it;
    - a mark-read given up is told again once the server answers (the rename's answer):
      the server's unread count goes to 0 although the first try never reached it;
    - the live stream's ticket is given up and tried again (a second ticket held), and the
      stream is back once the proxy lets tickets through.
    Before session 32 only sends and deletes had a timeout: the page waited for each of
    these for good (the list "loading", Save greyed out, the marker never told, the stream
    "offline" with no further try)."""
    from types import SimpleNamespace
    from selenium.webdriver.common.keys import Keys
    a_, b_ = "web_stall_a", "web_stall_b"
    users(web, (a_, "Stall A"), (b_, "Stall B"))
    g = send_rest(web, b_, "one", handle=a_)["message_group_uuid"]
    proxy = StallProxy(web)
    try:
        d = fresh(two[0])
        sign_in_by_link(d, SimpleNamespace(api_url=proxy.url, tok=web.tok), a_)
        d.execute_script("document.getElementById('composer').dataset.timeout = '2000'")
        # the first page of messages
        page = f"GET /api/messages/{g}"
        proxy.stalls.add(page)
        open_conv(d, "Stall B")
        by_css(d, "#text")[0].send_keys("half written")
        failed = wait(d, lambda d: by_css(d, "#messages li.load-failed"), 5, "the page given up")
        assert failed[0].text == "Messages did not load: the server did not answer in 2 s. " \
            "Try again", failed[0].text
        assert "did not answer" in notice(d), notice(d)
        assert by_css(d, "#text")[0].get_attribute("value") == "half written"
        assert bubbles(d) == [] and proxy.count(page) == 1
        shot(d, "messages-did-not-load")
        # the mark-read that the page, once shown, sends: held in its turn
        read = f"PUT /api/message_groups/{g}/read"
        proxy.stalls = {read}
        b = by_css(d, "#messages li.load-failed button")[0]
        assert b.accessible_name == "Try again to load the messages"
        b.send_keys(Keys.ENTER)
        wait(d, lambda d: bubbles(d) == ["one"] and not by_css(d, "#messages li.load-failed"),
             5, "the page, tried again")
        assert by_css(d, "#text")[0].get_attribute("value") == "half written"
        assert by_css(d, "#conversations button[aria-current=true] .who")[0].text == "Stall B"
        wait(d, lambda d: proxy.count(read) == 1, 5, "the mark-read held")
        # the rename
        proxy.stalls = {read, "PUT /api/me"}
        by_css(d, "#name-btn")[0].click()
        inp = by_css(d, "#name-input")[0]
        inp.clear()
        inp.send_keys("Stall A2" + Keys.ENTER)
        wait(d, lambda d: "may not be saved" in notice(d), 5, "the rename given up")
        assert "“Save” tries again" in notice(d), notice(d)
        assert inp.get_attribute("value") == "Stall A2" and inp.is_enabled()
        assert by_css(d, "#name-save")[0].is_enabled()
        assert d.execute_script("return document.activeElement.id") == "name-input"
        assert listing(web, a_)[b_][0] == 1  # the mark-read never reached the server
        proxy.stalls = set()
        inp.send_keys(Keys.ENTER)
        wait(d, lambda d: "Stall A2 (@web_stall_a)" in by_css(d, "#me")[0].text and
             by_css(d, "#name-form[hidden]"), 5, "the name saved")
        wait(d, lambda d: listing(web, a_)[b_][0] == 0, 5, "the mark-read told again")
        assert by_css(d, "#text")[0].get_attribute("value") == "half written"
        # the stream's ticket
        ticket = "POST /api/events/ticket"
        proxy.stalls = {ticket}
        d.execute_script("window.dispatchEvent(new Event('offline'))")
        wait(d, lambda d: proxy.count(ticket) >= 2, 10, "the ticket given up and asked again")
        assert by_css(d, "#live[data-state=off]")
        proxy.stalls = set()
        wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "the stream back")
        send_rest(web, b_, "two", group=g)
        wait(d, lambda d: bubbles(d) == ["one", "two"], 5, "a message by the stream")
    finally:
        proxy.close()


# Pages of messages (GET /api/messages/...) answered at once, then their body given in
# window.__trickle.pieces pieces, window.__trickle.gapMs apart; with stall: true, the first
# piece only, and the body never ends.  The page's abort (its timer) ends the body in error.
TRICKLE = """
window.__trickle = null;
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  const t = window.__trickle;
  if (!t || !String(path).startsWith('/api/messages/')) return realFetch(path, init);
  const res = await realFetch(path, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const size = Math.ceil(bytes.length / t.pieces);
  const signal = init && init.signal;
  const body = new ReadableStream({ start(ctl) {
    let i = 0, over = false;
    if (signal) signal.addEventListener('abort', () => {
      over = true;
      try { ctl.error(new DOMException('aborted', 'AbortError')); } catch (e) {}
    });
    const next = () => {
      if (over) return;
      if (i >= t.pieces) { over = true; ctl.close(); return; }
      ctl.enqueue(bytes.slice(i * size, (i + 1) * size));
      i++;
      if (!(t.stall && i === 1)) setTimeout(next, t.gapMs);
    };
    next();
  } });
  return new Response(body, { status: res.status, statusText: res.statusText,
                              headers: res.headers });
};
"""


def test_a_slow_body_is_read_and_a_stalled_one_given_up(web, two):
    """r32b L5: the request timeout (30 s, 2 s here by #composer data-timeout) covers the wait
    for the answer's headers and then each pause in its body, not the whole body: a page of
    messages whose body comes in 6 pieces 0.7 s apart (3.5 s in all, over a slow link) is
    shown, with no "did not load"; a body that stops after its first piece is given up after
    2 s without progress, "Messages did not load: the server did not answer in 2 s.".
    Before, the one timer cut the slow body at 2 s and said the server did not answer."""
    a_, b_, c_ = "web_trickle_a", "web_trickle_b", "web_trickle_c"
    users(web, (a_, "Trickle A"), (b_, "Trickle B"), (c_, "Trickle C"))
    send_rest(web, b_, "slowly but surely", handle=a_)
    send_rest(web, c_, "never whole", handle=a_)
    d = fresh(two[0])
    sign_in_by_link(d, web, a_)
    d.execute_script("document.getElementById('composer').dataset.timeout = '2000'")
    d.execute_script(TRICKLE)
    d.execute_script("window.__trickle = {pieces: 6, gapMs: 700}")
    t0 = time.monotonic()
    open_conv(d, "Trickle B")
    wait(d, lambda d: bubbles(d) == ["slowly but surely"] or by_css(d, "#messages li.load-failed"),
         10, "the slow page or its failure")
    assert bubbles(d) == ["slowly but surely"], by_css(d, "#messages li.load-failed")[0].text
    assert time.monotonic() - t0 > 2.5  # it did take longer than the timeout
    assert not by_css(d, "#messages li.load-failed")
    d.execute_script("window.__trickle = {pieces: 6, gapMs: 100, stall: true}")
    open_conv(d, "Trickle C")
    failed = wait(d, lambda d: by_css(d, "#messages li.load-failed"), 8, "the stalled page given up")
    assert failed[0].text == "Messages did not load: the server did not answer in 2 s. " \
        "Try again", failed[0].text
    d.execute_script("window.__trickle = null")
    failed[0].find_element("css selector", "button").click()
    wait(d, lambda d: bubbles(d) == ["never whole"], 5, "the page, tried again")


# Before the page's own script: its requests are given up after 2 s (#composer data-timeout,
# set as soon as the composer is parsed), from the first one on.
QUICK_TIMEOUT = """new MutationObserver((ms, obs) => {
  const c = document.getElementById('composer');
  if (c) { c.dataset.timeout = '2000'; obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""


def test_a_list_that_did_not_load_is_tried_again(web, two):
    """The list of conversations that never comes (held by StallProxy, given up after 2 s)
    says "Conversations did not load: the server did not answer in 2 s." below the list with
    "Try again" (the notice reads it out); Try again, by keyboard, loads it, and the focus
    goes from the button, which leaves, to the first conversation.  Before session 32 the
    list stayed empty with nothing to try again until the stream happened to reconnect."""
    from types import SimpleNamespace
    from selenium.webdriver.common.keys import Keys
    a_, b_ = "web_stalllist_a", "web_stalllist_b"
    users(web, (a_, "StallList A"), (b_, "StallList B"))
    send_rest(web, b_, "hello", handle=a_)
    proxy = StallProxy(web)
    listing_ = "GET /api/message_groups?"
    try:
        d = fresh(two[0])
        inject(d, QUICK_TIMEOUT)
        proxy.stalls.add(listing_)
        sign_in_by_link(d, SimpleNamespace(api_url=proxy.url, tok=web.tok), a_)
        line = wait(d, lambda d: by_css(d, "#list-pane > .load-failed"), 5, "the list given up")
        assert line[0].text == "Conversations did not load: the server did not answer in " \
            "2 s. Try again", line[0].text
        assert "did not answer" in notice(d) and conv_names(d) == []
        assert proxy.count(listing_) >= 1
        shot(d, "list-did-not-load")
        proxy.stalls = set()
        b = by_css(d, "#list-pane > .load-failed button")[0]
        assert b.accessible_name == "Try again to load the conversations"
        b.send_keys(Keys.ENTER)
        wait(d, lambda d: conv_names(d) == ["StallList B"] and
             not by_css(d, "#list-pane > .load-failed"), 5, "the list, tried again")
        assert d.execute_script("return document.activeElement.closest('#conversations') "
                                "&& document.activeElement.textContent").startswith("StallList B")
    finally:
        proxy.close()


# The page's first listing (GET /api/message_groups?) after HOLD_LISTING waits until the test
# lets it go (window.__release()); later ones pass.  window.__served: the held one answered.
HOLD_LISTING = """
window.__held = [];
window.__served = false;
window.__release = () => { const h = window.__held.splice(0); h.forEach((r) => r()); };
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
let holdOne = true;
window.fetch = async (path, init) => {
  if (holdOne && String(path).startsWith('/api/message_groups?')) {
    holdOne = false;
    await new Promise((r) => window.__held.push(r));
    const res = await realFetch(path, init);
    await res.clone().text();
    setTimeout(() => { window.__served = true; }, 300);
    return res;
  }
  return realFetch(path, init);
};
"""


def test_a_listing_of_the_previous_user_stays_out(web, two):
    """A's listing held (HOLD_LISTING) while A signs out and B signs in by the token box on
    the same page: B's own listing comes at once, and A's, let go of afterwards, adds
    nothing to B's list.  Before, B's listing was skipped (the page still thought a listing
    was loading) and A's answer, sent with A's token, put A's correspondent in B's list
    (review r32b, finding 0)."""
    a_, b_ = "web_prev_a", "web_prev_b"
    users(web, (a_, "Prev A"), ("web_prev_secret", "Prev Secret"), (b_, "Prev B"),
          ("web_prev_friend", "Prev Friend"))
    send_rest(web, "web_prev_secret", "private", handle=a_)
    send_rest(web, "web_prev_friend", "hello B", handle=b_)
    d = fresh(two[0])
    sign_in_by_link(d, web, a_)
    wait(d, lambda d: conv_names(d) == ["Prev Secret"], 5, "A's list")

    def sign_in_box(tok):
        by_css(d, "#signout")[0].click()
        box = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #token"), 5, "sign-in")[0]
        box.send_keys(tok + "\n")
        wait(d, lambda d: by_css(d, "#app:not([hidden])"), 10, "the app view")

    d.execute_script(HOLD_LISTING)
    sign_in_box(web.tok[a_])  # A again: this listing is held
    wait(d, lambda d: d.execute_script("return window.__held.length") == 1, 10,
         "A's listing held")
    sign_in_box(web.tok[b_])
    assert f"@{b_})" in by_css(d, "#me")[0].text
    wait(d, lambda d: conv_names(d) == ["Prev Friend"], 10, "B's own list")
    d.execute_script("window.__release()")
    wait(d, lambda d: d.execute_script("return window.__served"), 10, "A's listing answered")
    assert conv_names(d) == ["Prev Friend"], conv_names(d)
    assert not by_css(d, "#list-pane > .load-failed")
    assert f"@{b_})" in by_css(d, "#me")[0].text


# The page's POST /api/messages wait until the test lets them go (RELEASE): a server far
# away or busy, without a fixed delay that a loaded machine may outrun.
SLOW_SENDS = """
window.__held = [];
window.__release = () => { const h = window.__held.splice(0); h.forEach((r) => r()); };
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  if (init && init.method === 'POST' && path === '/api/messages') {
    await new Promise((r) => window.__held.push(r));
  }
  return realFetch(path, init);
};
"""
# Lets the POSTs held by SLOW_SENDS go, and says whether the page's sends are all over.
RELEASE = "window.__release(); return !document.querySelector('#send').dataset.busy;"


def test_typing_on_while_a_send_is_on_its_way(web, two):
    """A slow send (SLOW_SENDS, held until RELEASE): the message shows at once, marked as being sent, and the
    composer is free for the next one.  Before, the sent text stayed in the composer until
    the answer came and was then cleared, with whatever had been typed after it: 'second',
    typed after Enter, was lost."""
    me_ = "web_slow"
    web.tok[me_] = token(add_user(web, me_, "Slow Web"), exp_in=3600)
    m = send_rest(web, "web_alice", "talk to me", handle=me_)
    d = conv_page(web, two[1], me_, "Alice Web", ["talk to me"], "the first message")
    d.execute_script(SLOW_SENDS)
    type_and_enter(d, "first")
    by_css(d, "#text")[0].send_keys("second")
    assert d.execute_script("return [...document.querySelectorAll('#messages li.pending')]"
                            ".map((e) => e.querySelector('.text').textContent)") == ["first"]
    assert bubbles(d) == ["talk to me", "first"]
    assert by_css(d, "#text")[0].get_attribute("value") == "second"
    wait(d, lambda d: d.execute_script(RELEASE), 10, "the answer")
    assert bubbles(d) == ["talk to me", "first"] and not by_css(d, "#messages li.pending")
    assert by_css(d, "#text")[0].get_attribute("value") == "second"
    by_css(d, "#text")[0].send_keys("\n")
    wait(d, lambda d: d.execute_script(RELEASE) and
         bubbles(d) == ["talk to me", "first", "second"], 10, "the second one sent")
    assert by_css(d, "#text")[0].get_attribute("value") == ""
    assert not by_css(d, "#messages li.pending")
    st, _, page = rest(web, "GET", f"/api/messages/{m['message_group_uuid']}", web.tok[me_])
    assert [x["message"] for x in page] == ["talk to me", "first", "second"]


def test_enter_pressed_quickly_sends_each_message_in_order(web, two):
    """'one' Enter 'two' Enter 'three' Enter typed quickly, with each send slow (SLOW_SENDS):
    three messages, shown at once as being sent, stored and shown in that order.  Before, an
    Enter while a send was on its way did nothing: one message was sent and 'twothree' was
    left in the composer as one text."""
    from selenium.webdriver.common.keys import Keys
    me_ = "web_quick"
    web.tok[me_] = token(add_user(web, me_, "Quick Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "go", handle=me_)["message_group_uuid"]
    d = conv_page(web, two[1], me_, "Alice Web", ["go"], "the first message")
    d.execute_script(SLOW_SENDS)
    by_css(d, "#text")[0].send_keys("one", Keys.ENTER, "two", Keys.ENTER, "three", Keys.ENTER)
    assert bubbles(d) == ["go", "one", "two", "three"]
    assert len(by_css(d, "#messages li.pending")) == 3
    assert by_css(d, "#text")[0].get_attribute("value") == ""
    wait(d, lambda d: d.execute_script(RELEASE) and not by_css(d, "#messages li.pending"), 10,
         "the three sent")
    assert bubbles(d) == ["go", "one", "two", "three"]
    st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[me_])
    assert [x["message"] for x in page] == ["go", "one", "two", "three"]


# Run before the page's own script: the stream's message events whose text has MUTE in it
# never reach the page (a stream that cannot tell the page its message was stored).
MUTE_EVENTS = """const RealES = window.EventSource;
window.EventSource = class extends RealES {
  addEventListener(type, fn, ...rest) {
    if (type !== 'message') return super.addEventListener(type, fn, ...rest);
    return super.addEventListener(type, (e) => { if (!e.data.includes('MUTE')) fn(e); }, ...rest);
  }
};"""
# POST /api/messages recorded ([text, Idempotency-Key]); mode 'fail': it never reaches the
# server, answered 500; 'lose': it is stored and its answer lost (no answer: sent again by
# itself at the next trigger, or by Retry); 'slow': it arrives 0.4 s late; else
# as it is.
SENDS = """window.__posts = window.__posts || [];
window.__mode = arguments[0];
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  if (!(init && init.method === 'POST' && path === '/api/messages')) return realFetch(path, init);
  window.__posts.push([JSON.parse(init.body).message, init.headers['Idempotency-Key']]);
  const mode = window.__mode;
  await new Promise((r) => setTimeout(r, mode === 'slow' ? 400 : 100));
  if (mode === 'fail') {  // an error answered: waits for Retry (no answer at all goes by itself)
    return new Response(JSON.stringify({error: {code: 'internal', message: 'internal error'}}),
                        {status: 500, headers: {'Content-Type': 'application/json'}});
  }
  const res = await realFetch(path, init);
  if (mode === 'lose') throw new TypeError('Failed to fetch');
  return res;
};"""


def test_failed_sends_stay_in_their_conversation(web, two):
    """Sends that fail stay in their conversation as 'Not sent', one message each, and Retry
    sends them in order with the Idempotency-Key of their first try (review21 MEDIUM 1, LOW 2,
    LOW 7).  Before: a send that failed after another conversation was opened lost its text
    (it went back only to the composer of the conversation then open); failed messages came
    back to the composer joined into one text with a new key, so a lost answer's message was
    stored twice ('first' and 'first\\nsecond'); and a sign-out while a send was on its way
    made the next user's first message vanish unsent; and (b50a40d) a message of the history
    with the same text ('ok') was taken for the stored copy of an unsent one, which vanished."""
    me_ = "web_failing"
    web.tok[me_] = token(add_user(web, me_, "Failing Web"), exp_in=3600)
    ga = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    send_rest(web, "web_bob", "from bob", handle=me_)
    send_rest(web, me_, "ok", group=ga)  # an earlier "ok", stored
    t_ok = time.time()
    d = two[1]
    d.switch_to.new_window("tab")
    try:
        fresh(d)
        inject(d, MUTE_EVENTS)
        sign_in_by_link(d, web, me_)
        wait(d, lambda d: conv_names(d) == ["Alice Web", "Bob Web"], 5, "the list")
        open_conv(d, "Alice Web")
        wait(d, lambda d: bubbles(d) == ["from alice", "ok"], 5, "alice's conversation")
        # sends that fail while bob's conversation is open: another "ok" and two more
        time.sleep(max(0.0, t_ok + 1.5 - time.time()))  # the stored "ok" is 1.5 s older
        d.execute_script(SENDS, "fail")
        from selenium.webdriver.common.keys import Keys
        by_css(d, "#text")[0].send_keys("ok", Keys.ENTER, "one", Keys.ENTER, "two", Keys.ENTER)
        open_conv(d, "Bob Web")
        wait(d, lambda d: not by_css(d, "#send")[0].get_attribute("data-busy"), 5, "failure")
        assert bubbles(d) == ["from bob"]
        assert by_css(d, "#text")[0].get_attribute("value") == ""
        # back in alice's: the history's "ok" does not take the unsent "ok" for its copy
        open_conv(d, "Alice Web")
        wait(d, lambda d: bubbles(d) == ["from alice", "ok", "ok", "one", "two"], 5,
             "the unsent ones")
        time.sleep(0.3)
        assert bubbles(d) == ["from alice", "ok", "ok", "one", "two"]
        assert len(by_css(d, "#messages li.failed")) == 3
        assert by_css(d, "#text")[0].get_attribute("value") == ""
        shot(d, "not-sent")
        # Retry on the first sends both, in order, each with its first key
        d.execute_script(SENDS, "real")
        by_css(d, "#messages li.failed button.retry")[0].click()
        wait(d, lambda d: not by_css(d, "#messages li.pending") and
             not by_css(d, "#send")[0].get_attribute("data-busy"), 5, "the retry")
        assert bubbles(d) == ["from alice", "ok", "ok", "one", "two"]
        # an answer lost while the stream cannot tell: 'Not sent'; typed meanwhile stays a
        # message of its own; Retry carries the first key, so the message is stored once
        d.execute_script(SENDS, "lose")
        type_and_enter(d, "first MUTE")
        by_css(d, "#text")[0].send_keys("second")
        wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent'")
        d.execute_script(SENDS, "real")
        by_css(d, "#messages li.failed button.retry")[0].click()
        by_css(d, "#text")[0].send_keys(Keys.ENTER)
        wait(d, lambda d: not by_css(d, "#messages li.pending") and
             not by_css(d, "#send")[0].get_attribute("data-busy"), 5, "the retry")
        want = ["from alice", "ok", "ok", "one", "two", "first MUTE", "second"]
        assert bubbles(d) == want
        st, _, page = rest(web, "GET", f"/api/messages/{ga}", web.tok[me_])
        assert [x["message"] for x in page] == want
        posts = d.execute_script("return window.__posts")
        # 'one' and 'two' waited behind the failed 'ok' (never tried alone: never out of order)
        assert [p[0] for p in posts] == ["ok", "ok", "one", "two", "first MUTE", "first MUTE",
                                         "second"], posts
        keys = {}
        for text, key in posts:
            keys.setdefault(text, set()).add(key)
        assert all(len(k) == 1 for k in keys.values()), posts
        assert len({k for ks in keys.values() for k in ks}) == 5, posts
        # sign out while a send is on its way, sign in again (same page): the next user's
        # message is sent, not dropped by the first one's loop
        d.execute_script(SENDS, "slow")
        type_and_enter(d, "on its way")
        by_css(d, "#signout")[0].click()
        box = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #token"), 5, "sign-in")[0]
        d.execute_script(SENDS, "real")
        box.send_keys(web.tok["web_bob"] + "\n")
        wait(d, lambda d: "Failing Web" in conv_names(d), 5, "bob's list")
        open_conv(d, "Failing Web")
        type_and_enter(d, "bob after the switch")
        time.sleep(0.5)  # the first user's send comes back meanwhile
        wait(d, lambda d: bubbles(d)[-1:] == ["bob after the switch"] and
             not by_css(d, "#messages li.pending"), 5, "bob's message sent")
        st, _, page = rest(web, "GET", f"/api/messages/{ga}", web.tok[me_])
        assert st == 200
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])


def test_a_failed_send_keeps_its_place_and_retry_moves_it_last(web, two):
    """A send answered 500 stays where it was typed, 'Not sent: internal error.' with Retry
    and Discard (named after the message for screen readers); a message typed after it and
    sent, and one that comes from alice, show below it, also after another conversation was
    opened and this one again, and when 45 more make it older than the newest page (in its
    place once the older page comes); at 320 px nothing of it leaves the screen.  Retry (by
    keyboard) sends it after them: it moves to the bottom (screen readers are told), and the
    page's order is the server's.  Before: the failed one floated below everything, so the
    message typed after it showed above it, as if sent first, and alice's reply came in
    between them."""
    me_ = "web_order"
    web.tok[me_] = token(add_user(web, me_, "Order Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    send_rest(web, "web_bob", "from bob", handle=me_)
    d = conv_page(web, two[1], me_, "Alice Web", ["from alice"], "alice's conversation")
    d.execute_script(SENDS, "fail")
    type_and_enter(d, "lost one")
    wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent'")
    d.execute_script(SENDS, "real")
    type_and_enter(d, "after it")
    wait(d, lambda d: len(by_css(d, "#messages li.pending")) == 1 and
         not by_css(d, "#send")[0].get_attribute("data-busy"), 5, "'after it' sent")
    assert bubbles(d) == ["from alice", "lost one", "after it"], bubbles(d)
    failed = by_css(d, "#messages li.failed")[0]
    assert "Not sent: internal error." in failed.text, failed.text
    assert [b.get_attribute("aria-label") for b in by_css(d, "#messages li.failed button")] \
        == ["Retry: lost one", "Discard: lost one"]
    send_rest(web, "web_alice", "alice reply", group=g)
    want = ["from alice", "lost one", "after it", "alice reply"]
    wait(d, lambda d: bubbles(d) == want, 5, "alice's reply below")
    open_conv(d, "Bob Web")
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d) == want, 5, "the same order, opened again")
    assert by_css(d, "#messages li.failed .text")[0].text == "lost one"
    # 45 more: opened again, the newest page (40) starts after it, so it stands at the top
    # until the older page comes, then in its place (before: below that page's messages)
    fill = [f"filler {i:02d}" for i in range(45)]
    for t in fill:
        send_rest(web, "web_alice", t, group=g)
    wait(d, lambda d: bubbles(d)[-1:] == fill[-1:], 5, "the fillers")
    open_conv(d, "Bob Web")
    open_conv(d, "Alice Web")
    want = ["from alice", "lost one", "after it", "alice reply"] + fill
    assert scroll_back_to_first(d, len(want)) == want, bubbles(d)
    # at 320 px nothing of it leaves the screen; Retry by keyboard
    d.set_window_size(320, 640)
    assert d.execute_script(OFF_SCREEN) == [], d.execute_script(OFF_SCREEN)
    from selenium.webdriver.common.keys import Keys
    by_css(d, "#messages li.failed button.retry")[0].send_keys(Keys.ENTER)
    want = ["from alice", "after it", "alice reply"] + fill + ["lost one"]
    wait(d, lambda d: bubbles(d) == want and not by_css(d, "#messages li.pending"), 5,
         "the retry, last")
    assert "Sending again, below the later messages: lost one" in live_texts(d)
    st, _, page = rest(web, "GET", f"/api/messages/{g}?limit=100", web.tok[me_])
    assert [x["message"] for x in page] == want
    assert d.execute_script("return document.activeElement.id") == "text"


# The page's POST /api/messages wait until window.__release() (the ones waiting then go); a
# message with FAIL in it is then answered 500 without reaching the server, any other goes on.
HOLD_THEN_FAIL = """
window.__held = [];
window.__release = () => { const h = window.__held.splice(0); h.forEach((r) => r()); };
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  if (!(init && init.method === 'POST' && path === '/api/messages')) return realFetch(path, init);
  await new Promise((r) => window.__held.push(r));
  if (JSON.parse(init.body).message.includes('FAIL')) {
    return new Response(JSON.stringify({error: {code: 'internal', message: 'internal error'}}),
                        {status: 500, headers: {'Content-Type': 'application/json'}});
  }
  return realFetch(path, init);
};
"""


def release_one(d):
    """Lets the one POST that HOLD_THEN_FAIL holds go, once it holds one."""
    wait(d, lambda d: d.execute_script("return window.__held.length === 1"), 5, "a held send")
    d.execute_script("window.__release()")


def test_a_failed_send_stays_where_it_was_typed(web, two):
    """A send that fails (500) stays where it was typed, not where it failed: alice's reply
    that came while it was on its way shows below it.  Among one's own messages it keeps its
    order: typed after a message that was stored after alice's next reply, it stays after that
    message.  A reload keeps what was not sent: the three waiting for Retry wait again in their
    places ("Not sent"; a notice says so and names whom to, since one is to a handle written
    to by New, in no list) and the one on its way is sent by itself, once; Retry then sends
    alice's two in order.  Before: the failed one was put after the newest
    message when it failed (above it, alice's reply that came meanwhile), and a reload lost
    every unsent message without a word."""
    me_ = "web_typed"
    web.tok[me_] = token(add_user(web, me_, "Typed Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    d = conv_page(web, two[1], me_, "Alice Web", ["from alice"], "alice's conversation")
    d.execute_script(HOLD_THEN_FAIL)
    type_and_enter(d, "FAIL typed first")
    send_rest(web, "web_alice", "alice meanwhile", group=g)
    wait(d, lambda d: bubbles(d) == ["from alice", "alice meanwhile", "FAIL typed first"], 5,
         "alice's reply above the one on its way")
    release_one(d)
    wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent'")
    assert bubbles(d) == ["from alice", "FAIL typed first", "alice meanwhile"], bubbles(d)
    # typed after 'mine next', which is stored after alice's next reply: after it
    type_and_enter(d, "mine next")
    type_and_enter(d, "FAIL after mine")
    send_rest(web, "web_alice", "alice again", group=g)
    wait(d, lambda d: bubbles(d)[-3:] == ["alice again", "mine next", "FAIL after mine"], 5,
         "alice's next reply")
    release_one(d)
    release_one(d)
    want = ["from alice", "FAIL typed first", "alice meanwhile", "alice again", "mine next",
            "FAIL after mine"]
    wait(d, lambda d: len(by_css(d, "#messages li.failed")) == 2, 5, "the second 'Not sent'")
    assert bubbles(d) == want, bubbles(d)
    # one to a handle with no conversation yet (New): in no list, so the notice names it
    from selenium.webdriver.common.keys import Keys
    by_css(d, "#new-btn")[0].click()
    by_css(d, "#new-handle")[0].send_keys("web_bob", Keys.ENTER)
    wait(d, lambda d: by_css(d, "#conv-handle")[0].text == "@web_bob", 5, "the draft to bob")
    type_and_enter(d, "FAIL to bob")
    release_one(d)
    wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent' to bob")
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d) == want, 5, "alice's conversation again")
    # a reload with one on its way: nothing lost, nothing twice
    type_and_enter(d, "on its way")
    wait(d, lambda d: d.execute_script("return window.__held.length === 1"), 5, "held")
    d.refresh()
    # read at once: it goes after 10 s, which a loaded machine may reach before the rest
    said = wait(d, notice, 10, "the notice after the reload")
    assert said == "3 messages not sent before the reload wait as \"Not sent\", with " \
        "Retry and Discard, in the conversations with @web_alice, @web_bob.", said
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "live after the reload")
    want.append("on its way")  # stored after 'mine next', so below the failed one
    wait(d, lambda d: bubbles(d) == want and len(by_css(d, "#messages li.failed")) == 2 and
         len(by_css(d, "#messages li.pending")) == 2, 5, "the unsent ones after the reload")
    st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[me_])
    stored = ["from alice", "alice meanwhile", "alice again", "mine next", "on its way"]
    assert [m["message"] for m in page] == stored, page
    by_css(d, "#messages li.failed button.retry")[0].click()
    stored += ["FAIL typed first", "FAIL after mine"]
    wait(d, lambda d: bubbles(d) == stored and not by_css(d, "#messages li.pending"), 5,
         "both sent by Retry, in order")
    st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[me_])
    assert [m["message"] for m in page] == stored, page
    # bob's, by New again (the notice closed: it covers New): there, "Not sent"; Discard
    # empties the outbox
    d.execute_script("document.getElementById('notice-close').click()")
    by_css(d, "#new-btn")[0].click()
    by_css(d, "#new-handle")[0].send_keys("web_bob", Keys.ENTER)
    wait(d, lambda d: bubbles(d) == ["FAIL to bob"] and by_css(d, "#messages li.failed"), 5,
         "bob's 'Not sent' after the reload")
    assert d.execute_script("return sessionStorage.getItem('ddbchat.outbox')") is not None
    by_css(d, "#messages li.failed button.discard")[0].click()
    assert bubbles(d) == []
    assert d.execute_script("return sessionStorage.getItem('ddbchat.outbox')") is None


def unread(d):
    """{name: the unread count its badge shows} for the conversations that have one."""
    return d.execute_script(
        "const o = {}; for (const b of document.querySelectorAll('#conversations button')) {"
        " const u = b.querySelector('.unread'); if (u) o[b.querySelector('.who').textContent] ="
        " u.textContent; } return o;")


# Run before the page's own script: every EventSource and every message event kept, so a test
# can deliver the same events again (as a reconnection from an older position would).
RECORD_EVENTS = """window.__es = []; window.__ev = [];
window.EventSource = class extends window.EventSource {
  constructor(...a) {
    super(...a);
    window.__es.push(this);
    this.addEventListener('message', (e) => window.__ev.push([e.data, e.lastEventId]));
  }
};"""
REDELIVER = """const ev = window.__ev.slice();
const es = window.__es.filter((e) => e.readyState === 1).pop();
for (const [data, lastEventId] of ev) es.dispatchEvent(new MessageEvent('message', {data, lastEventId}));
return ev.length;"""


def test_unread_markers(web, two):
    """Unread counts.  At sign-in each conversation shows what the server counts as unread
    (the listing's "unread": nobody has read alice's and carol's first messages); opening
    alice's reads it.  Bob has alice's conversation open; carol writes twice meanwhile:
    carol's conversation's badge goes to '3' (its accessible name says '3 unread') and the
    window title '(3) ', alice's messages in the open conversation and bob's own mark
    nothing; the same events delivered again (as a reconnection from an older position would)
    count nothing; opening carol's clears it.  At phone width the open conversation, when the
    list is what shows, counts too.  Signed out, the window title names no conversation."""
    me_ = "web_unread"
    web.tok[me_] = token(add_user(web, me_, "Unread Web"), exp_in=3600)
    ga = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    gc = send_rest(web, "web_carol", "from carol", handle=me_)["message_group_uuid"]
    d = two[1]
    d.switch_to.new_window("tab")
    try:
        fresh(d)
        inject(d, RECORD_EVENTS)
        sign_in_by_link(d, web, me_)
        wait(d, lambda d: conv_names(d) == ["Carol Web", "Alice Web"], 5, "the list")
        wait(d, lambda d: unread(d) == {"Carol Web": "1", "Alice Web": "1"}, 2, "the counts")
        assert d.title == "(2) ddbchat"
        open_conv(d, "Alice Web")
        wait(d, lambda d: unread(d) == {"Carol Web": "1"}, 2, "alice's read")
        send_rest(web, "web_carol", "carol 1", group=gc)
        send_rest(web, "web_alice", "alice live", group=ga)
        send_rest(web, "web_carol", "carol 2", group=gc)
        wait(d, lambda d: unread(d) == {"Carol Web": "3"}, 2, "carol's badge")
        assert d.title == "(3) ddbchat"
        b = [b for b in by_css(d, "#conversations button")
             if b.find_element("css selector", ".who").text == "Carol Web"][0]
        assert "3 unread" in b.get_attribute("aria-label")
        type_and_enter(d, "my own")
        wait(d, lambda d: bubbles(d)[-1:] == ["my own"], 5, "the sent one")
        # its event too (the answer may show it first: REDELIVER saw 3 events once, msg21)
        wait(d, lambda d: d.execute_script("return window.__ev.length") == 4, 5, "4 events")
        assert d.execute_script(REDELIVER) == 4
        time.sleep(0.2)
        assert unread(d) == {"Carol Web": "3"}
        assert bubbles(d) == ["from alice", "alice live", "my own"]
        shot(d, "unread")
        open_conv(d, "Carol Web")
        wait(d, lambda d: unread(d) == {}, 2, "the badge gone")
        assert d.title == "ddbchat"
        # phone width: carol's conversation open but the list showing (Back)
        d.set_window_size(375, 700)
        by_css(d, "#back")[0].click()
        wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 5, "the list")
        send_rest(web, "web_carol", "carol 3", group=gc)
        wait(d, lambda d: unread(d) == {"Carol Web": "1"}, 2, "the badge at phone width")
        open_conv(d, "Carol Web")
        wait(d, lambda d: unread(d) == {} and bubbles(d)[-1:] == ["carol 3"], 2, "read")
        by_css(d, "#signout")[0].click()
        wait(d, lambda d: d.title == "ddbchat", 2, "the title without a conversation's name")
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])


# Before the page's own script: document.visibilityState as the test sets it (window.__hide(),
# __show(), each with its visibilitychange), and the page's mark-read PUTs recorded
# ([group, read_to]) in window.__reads.
READ_SEAMS = r"""window.__vis = 'visible'; window.__reads = [];
Object.defineProperty(Document.prototype, 'visibilityState', {get: () => window.__vis});
window.__hide = () => { window.__vis = 'hidden'; document.dispatchEvent(new Event('visibilitychange')); };
window.__show = () => { window.__vis = 'visible'; document.dispatchEvent(new Event('visibilitychange')); };
const realFetch = window.fetch;
window.fetch = (path, init) => {
  const m = /^\/api\/message_groups\/([^/]+)\/read$/.exec(path);
  if (m && init && init.method === 'PUT') window.__reads.push([decodeURIComponent(m[1]), JSON.parse(init.body).read_to]);
  return realFetch(path, init);
};"""


def listing(srv, who):
    """{other person's handle: (unread, read_to)} from the server's listing."""
    st, _, items = rest(srv, "GET", "/api/message_groups", srv.tok[who])
    assert st == 200, items
    return {it["handle"]: (it["unread"], it["read_to"]) for it in items}


def test_unread_survives_a_reload(web, two):
    """Unread is kept by the server (its read markers), not by the page: 2 messages written
    before the page opened show as '2' and '(2) ddbchat'; opening the conversation and seeing
    its newest marks it read (one PUT with the newest's created_at, within a second); a
    reload shows it read.  Five messages arriving in the open conversation are marked read
    with fewer PUTs than messages (debounced), the last one naming the newest.  While the page
    is hidden, a message in the open conversation is unread (the badge, the title; no PUT);
    shown again, it is marked read; likewise scrolled back, until scrolled down to it.  One
    that comes while another conversation is open is still unread after a reload, at 320 px
    as at 1280 px (the badge on screen).  Before: the counts lived in the page, and a reload
    showed none."""
    me_ = "web_reload"
    web.tok[me_] = token(add_user(web, me_, "Reload Web"), exp_in=3600)
    ga = send_rest(web, "web_alice", "alice 1", handle=me_)["message_group_uuid"]
    a2 = send_rest(web, "web_alice", "alice 2", group=ga)
    send_rest(web, "web_bob", "bob 1", handle=me_)
    d = two[1]
    d.switch_to.new_window("tab")
    try:
        fresh(d, width=1280)
        inject(d, READ_SEAMS)
        sign_in_by_link(d, web, me_)
        wait(d, lambda d: unread(d) == {"Alice Web": "2", "Bob Web": "1"}, 5, "the counts")
        assert d.title == "(3) ddbchat"
        open_conv(d, "Alice Web")
        wait(d, lambda d: listing(web, me_)["web_alice"] == (0, a2["created_at"]), 5,
             "alice's marked read on the server")
        assert d.execute_script("return window.__reads") == [[ga, a2["created_at"]]]
        assert unread(d) == {"Bob Web": "1"} and d.title == "(1) ddbchat"
        d.refresh()
        sign_in_wait = lambda d: by_css(d, "#live[data-state=on]")  # noqa: E731
        wait(d, sign_in_wait, 10, "live after the reload")
        wait(d, lambda d: bubbles(d)[-1:] == ["alice 2"], 5, "the conversation again")
        assert unread(d) == {"Bob Web": "1"} and d.title == "(1) ddbchat"
        # five in a row in the open conversation: read, with fewer PUTs than messages
        d.execute_script("window.__reads = []")
        last = None
        for i in range(5):
            last = send_rest(web, "web_alice", f"burst {i}", group=ga)
        wait(d, lambda d: listing(web, me_)["web_alice"] == (0, last["created_at"]), 5,
             "the burst read")
        reads = d.execute_script("return window.__reads")
        assert 1 <= len(reads) < 5 and reads[-1] == [ga, last["created_at"]], reads
        assert unread(d) == {"Bob Web": "1"}
        # hidden: what comes is unread, nothing is marked; shown: marked read
        d.execute_script("window.__hide(); window.__reads = []")
        hid = send_rest(web, "web_alice", "while hidden", group=ga)
        wait(d, lambda d: bubbles(d)[-1:] == ["while hidden"], 5, "it shows")
        wait(d, lambda d: unread(d) == {"Alice Web": "1", "Bob Web": "1"}, 2, "unread hidden")
        assert d.title == "(2) ddbchat"
        time.sleep(0.8)  # longer than the page's delay before it marks: nothing marked
        assert d.execute_script("return window.__reads") == []
        assert listing(web, me_)["web_alice"][0] == 1
        d.execute_script("window.__show()")
        wait(d, lambda d: unread(d) == {"Bob Web": "1"}, 2, "read once shown")
        wait(d, lambda d: listing(web, me_)["web_alice"] == (0, hid["created_at"]), 5,
             "marked read once shown")
        # scrolled back in the open conversation: what comes is not seen until scrolled down
        d.set_window_size(1280, 420)
        d.execute_script("window.__reads = [];"
                         "document.getElementById('messages').scrollTop = 0")
        assert d.execute_script("const m = document.getElementById('messages');"
                                "return m.scrollHeight - m.clientHeight > 100")
        back = send_rest(web, "web_alice", "while scrolled back", group=ga)
        wait(d, lambda d: unread(d) == {"Alice Web": "1", "Bob Web": "1"}, 2,
             "unread while scrolled back")
        time.sleep(0.8)
        assert d.execute_script("return window.__reads") == []
        d.execute_script("const m = document.getElementById('messages');"
                         "m.scrollTop = m.scrollHeight")
        wait(d, lambda d: unread(d) == {"Bob Web": "1"}, 2, "read once scrolled down")
        wait(d, lambda d: listing(web, me_)["web_alice"] == (0, back["created_at"]), 5,
             "marked read once scrolled down")
        d.set_window_size(1280, 800)
        # bob's conversation open; alice writes: still unread after a reload, at 320 px
        open_conv(d, "Bob Web")
        wait(d, lambda d: unread(d) == {}, 2, "bob's read")
        send_rest(web, "web_alice", "while away", group=ga)
        wait(d, lambda d: unread(d) == {"Alice Web": "1"}, 2, "alice's badge")
        d.set_window_size(320, 640)
        d.refresh()
        wait(d, sign_in_wait, 10, "live after the reload")
        by_css(d, "#back")[0].click()  # bob's conversation is in the address: the list
        wait(d, lambda d: unread(d) == {"Alice Web": "1"}, 5, "alice's badge after a reload")
        assert d.title == "(1) ddbchat"
        assert d.execute_script(OFF_SCREEN) == [], d.execute_script(OFF_SCREEN)
        shot(d, "unread-320")
        d.set_window_size(1280, 800)
        assert d.execute_script(OFF_SCREEN) == [], d.execute_script(OFF_SCREEN)
        assert listing(web, me_)["web_alice"][0] == 1  # nothing marked meanwhile
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])


# Run before the page's own script: the stream's "read" events never reach the page (a
# device whose stream was down when the conversation was read elsewhere).
MUTE_READ_EVENTS = r"""const RealES2 = window.EventSource;
window.EventSource = class extends RealES2 {
  addEventListener(type, fn, ...rest) {
    if (type === 'read') return undefined;
    return super.addEventListener(type, fn, ...rest);
  }
};"""


def test_read_in_one_tab_is_read_in_the_others(web, two):
    """Two tabs of one user in one browser, and a second browser (another device) of the same
    user: all show carol's 2 unread.  Read in the first tab, the second tab shows it read
    within 2 s (the tabs' channel: the stream's "read" events are kept from both tabs, else
    they carried it too and the test passed without the channel) without a reload; the other
    device too, hidden (the
    stream's "read" event: before it, it kept the badge until it was shown again and asked
    the listing, test_read_elsewhere_clears_a_badge_below_the_first_page), and the server
    agrees.  Before: each page counted for itself; the others kept the badge."""
    me_ = "web_tabs_read"
    web.tok[me_] = token(add_user(web, me_, "Tabs Read Web"), exp_in=3600)
    gc = send_rest(web, "web_carol", "carol 1", handle=me_)["message_group_uuid"]
    c2 = send_rest(web, "web_carol", "carol 2", group=gc)
    send_rest(web, "web_dave", "dave 1", handle=me_)
    other = fresh(two[0])
    inject(other, READ_SEAMS)
    d = two[1]
    d.switch_to.new_window("tab")
    first = d.current_window_handle
    try:
        fresh(d)
        inject(d, MUTE_READ_EVENTS)
        sign_in_by_link(d, web, me_)
        d.switch_to.new_window("tab")
        second = d.current_window_handle
        inject(d, MUTE_READ_EVENTS)
        sign_in_by_link(d, web, me_)
        sign_in_by_link(other, web, me_)
        want = {"Carol Web": "2", "Dave Web": "1"}
        for x in (other, d):
            wait(x, lambda x: unread(x) == want, 5, "the counts")
        other.execute_script("window.__hide()")
        d.switch_to.window(first)
        open_conv(d, "Carol Web")
        wait(d, lambda d: unread(d) == {"Dave Web": "1"}, 2, "read in the first tab")
        d.switch_to.window(second)
        wait(d, lambda d: unread(d) == {"Dave Web": "1"} and d.title == "(1) ddbchat", 2,
             "read in the second tab")
        wait(d, lambda d: listing(web, me_)["web_carol"] == (0, c2["created_at"]), 5,
             "read on the server")
        wait(other, lambda x: unread(x) == {"Dave Web": "1"} and x.title == "(1) ddbchat", 2,
             "read on the other device, hidden, by the stream's read event")
        other.execute_script("window.__show()")
        assert unread(other) == {"Dave Web": "1"}
        d.close()
        d.switch_to.window(first)
    finally:
        if d.current_window_handle != d.window_handles[0]:
            d.close()
        d.switch_to.window(d.window_handles[0])
        fresh(other)


# Run before the page's own script: the page's GETs of the conversation listing, or of one
# conversation, recorded (their paths, in window.__lists).
LISTS = r"""window.__lists = [];
const realFetch2 = window.fetch;
window.fetch = (path, init) => {
  if (/^\/api\/message_groups(\?|\/[^/]+$)/.test(path) && !(init && init.method !== 'GET')) {
    window.__lists.push(path);
  }
  return realFetch2(path, init);
};"""


def test_read_elsewhere_clears_a_badge_below_the_first_page(web, two):
    """24 conversations: the 4 oldest (below the listing's first page of 20, shown once the
    list is scrolled) have unread, alice's 2, erin's, bob's and carol's 1; the 20 others
    none.  Read on another device (PUTs of read markers) while this page's stream hears
    nothing of it: when the page is shown again their badges and the title's count go, by one
    request: the listing from the top as far as the lowest badge (erin's, 24th: limit=24),
    whose items carry their unread counts.  Carol's, with the listing's limit lowered to 22
    (#conversations data-max; 100 on the server): 2 requests, the second by cursor, down to
    erin's.  Erin's: one again.  Before: the first page and then each conversation below it
    with a badge by its uuid (a Query and a GetItem each on a remote table), or the pages
    below read again (2 requests each time here); earlier still only the first 20 were asked
    again, and the others kept their badges until a reload."""
    me_ = "web_deep"
    web.tok[me_] = token(add_user(web, me_, "Deep Web"), exp_in=3600)
    e1 = send_rest(web, "web_erin", "erin 1", handle=me_)
    ga = send_rest(web, "web_alice", "alice 1", handle=me_)["message_group_uuid"]
    a2 = send_rest(web, "web_alice", "alice 2", group=ga)
    b1 = send_rest(web, "web_bob", "bob 1", handle=me_)
    c1 = send_rest(web, "web_carol", "carol 1", handle=me_)
    for i in range(20):
        h = f"web_deep{i:02d}"
        add_user(web, h, f"Deep {i:02d}")
        send_rest(web, me_, f"to deep {i:02d}", handle=h)  # sending: none unread there
    d = two[1]
    d.switch_to.new_window("tab")

    def read_elsewhere(*msgs):
        d.execute_script("window.__hide()")
        for m in msgs:
            st, _, r = rest(web, "PUT", f"/api/message_groups/{m['message_group_uuid']}/read",
                            web.tok[me_], {"read_to": m["created_at"]})
            assert st == 200 and r["unread"] == 0, r
        # the page asks for the listing again at most once every 2 s: its clock moved on
        d.execute_script("const now = Date.now; Date.now = () => now() + 2500;"
                         "window.__lists = []; window.__show()")

    try:
        fresh(d, width=1100, height=700)
        inject(d, READ_SEAMS + MUTE_READ_EVENTS + LISTS)
        sign_in_by_link(d, web, me_)
        wait(d, lambda d: len(conv_names(d)) == 20, 5, "the first page")
        d.execute_script("const p = document.getElementById('list-pane');"
                         "p.scrollTop = p.scrollHeight")
        wait(d, lambda d: conv_names(d)[20:] == ["Carol Web", "Bob Web", "Alice Web",
                                                 "Erin Web"], 5, "the second page")
        wait(d, lambda d: unread(d) == {"Alice Web": "2", "Bob Web": "1", "Carol Web": "1",
                                        "Erin Web": "1"}, 2, "the badges")
        assert d.title == "(5) ddbchat"
        read_elsewhere(a2, b1)
        wait(d, lambda d: unread(d) == {"Carol Web": "1", "Erin Web": "1"} and
             d.title == "(2) ddbchat", 5, "alice's and bob's badges gone once shown")
        assert d.execute_script("return window.__lists") == ["/api/message_groups?limit=24"]
        d.execute_script("document.getElementById('conversations').dataset.max = '22'")
        read_elsewhere(c1)
        wait(d, lambda d: unread(d) == {"Erin Web": "1"} and d.title == "(1) ddbchat", 5,
             "carol's badge gone once shown")
        lists = d.execute_script("return window.__lists")
        assert len(lists) == 2 and lists[0] == "/api/message_groups?limit=22" and \
            lists[1].startswith("/api/message_groups?limit=22&cursor="), lists
        d.execute_script("delete document.getElementById('conversations').dataset.max")
        read_elsewhere(e1)
        wait(d, lambda d: unread(d) == {} and d.title == "ddbchat", 5,
             "erin's badge gone once shown")
        assert d.execute_script("return window.__lists") == ["/api/message_groups?limit=24"]
        assert len(conv_names(d)) == 24
        assert d.execute_script("return window.__reads") == []  # nothing marked from here
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])


def test_title_counts_unread_beyond_the_loaded_list(web, two):
    """The title's "(N)" is the user's unread over all conversations (the listing's
    X-Unread-Total), not only those loaded: 24 conversations, the 4 oldest (below the first
    page of 20) with 5 unread, show "(5)" at sign-in without a scroll.  It is kept by the
    stream's events, not by asking for the listing per event: a message in a loaded
    conversation counts one, no request; one in a conversation not loaded (erin's) counts
    one, and its older unread, counted in the total, leave it with the listing asked once
    (in the background), so reading erin's conversation here takes all of it off; a read on
    another device of one not loaded (alice's) takes it off by its "read" event.  Before:
    "ddbchat" with 5 unread below the first page."""
    me_ = "web_total"
    web.tok[me_] = token(add_user(web, me_, "Total Web"), exp_in=3600)
    e1 = send_rest(web, "web_erin", "erin 1", handle=me_)
    ga = send_rest(web, "web_alice", "alice 1", handle=me_)["message_group_uuid"]
    a2 = send_rest(web, "web_alice", "alice 2", group=ga)
    send_rest(web, "web_bob", "bob 1", handle=me_)
    send_rest(web, "web_carol", "carol 1", handle=me_)
    for i in range(20):
        h = f"web_total{i:02d}"
        web.tok[h] = token(add_user(web, h, f"Total {i:02d}"), exp_in=3600)
        send_rest(web, me_, f"to total {i:02d}", handle=h)  # sending: none unread there
    d = fresh(two[1], width=1100, height=700)
    inject(d, LISTS)
    sign_in_by_link(d, web, me_)
    wait(d, lambda d: len(conv_names(d)) == 20, 5, "the first page")
    wait(d, lambda d: d.title == "(5) ddbchat", 3, "the title's total")
    assert unread(d) == {}
    # a loaded conversation: counted from the event, no listing asked
    d.execute_script("window.__lists = []")
    send_rest(web, "web_total07", "news from 07", handle=me_)
    wait(d, lambda d: d.title == "(6) ddbchat" and unread(d) == {"Total 07": "1"}, 5, "(6)")
    # erin's, not loaded: one more, then the listing once puts her older one on her badge
    send_rest(web, "web_erin", "erin 2", group=e1["message_group_uuid"])
    wait(d, lambda d: d.title == "(7) ddbchat" and unread(d).get("Erin Web") == "2", 5,
         "(7), erin's 2")
    lists = d.execute_script("return window.__lists")
    assert len(lists) == 1 and "cursor" not in lists[0], lists
    open_conv(d, "Erin Web")
    wait(d, lambda d: d.title == "(5) ddbchat", 5, "erin's 2 read here")
    # alice's, not loaded, read on another device: its read event
    st, _, r = rest(web, "PUT", f"/api/message_groups/{ga}/read", web.tok[me_],
                    {"read_to": a2["created_at"]})
    assert st == 200, r
    wait(d, lambda d: d.title == "(3) ddbchat", 5, "alice's 2 read elsewhere")
    # the server agrees
    st, hd, _ = rest(web, "GET", "/api/message_groups", web.tok[me_])
    assert {k.lower(): v for k, v in dict(hd).items()}.get("x-unread-total") == "3", hd


def test_read_event_updates_another_browser_at_once(web, two):
    """Two browsers (two devices) signed in as one user, both on screen: carol's 2 unread and
    dave's 1.  Carol's conversation opened in one: the other's badge and title go within 2 s
    by the stream's "read" event, with no listing asked (before: they stayed until that page
    was shown or focused again).  Read short of the newest elsewhere (a PUT of a marker 2
    messages before the newest): both show the event's count, 2, without asking the server.
    An old read event delivered again after a reload leaves the listing's count alone."""
    me_ = "web_live_read"
    web.tok[me_] = token(add_user(web, me_, "Live Read Web"), exp_in=3600)
    gc = send_rest(web, "web_carol", "carol 1", handle=me_)["message_group_uuid"]
    c2 = send_rest(web, "web_carol", "carol 2", group=gc)
    send_rest(web, "web_dave", "dave 1", handle=me_)
    other = fresh(two[0])
    inject(other, LISTS + RECORD_EVENTS)
    d = two[1]
    d.switch_to.new_window("tab")
    try:
        fresh(d)
        inject(d, LISTS)
        sign_in_by_link(d, web, me_)
        sign_in_by_link(other, web, me_)
        # none of the previous test's seams (READ_SEAMS: a fake visibilityState, a wrapped
        # fetch) in this window: it ran with them before fresh() removed them
        assert other.execute_script("return typeof window.__vis") == "undefined"
        for x in (other, d):
            wait(x, lambda x: unread(x) == {"Carol Web": "2", "Dave Web": "1"}, 5, "the counts")
        other.execute_script("window.__lists = []")
        open_conv(d, "Carol Web")
        wait(other, lambda x: unread(x) == {"Dave Web": "1"} and x.title == "(1) ddbchat", 2,
             "carol's read on the other browser")
        open_conv(d, "Dave Web")
        wait(other, lambda x: unread(x) == {} and x.title == "ddbchat", 2,
             "dave's read on the other browser")
        assert other.execute_script("return window.__lists") == []
        c3 = send_rest(web, "web_carol", "carol 3", group=gc)
        send_rest(web, "web_carol", "carol 4", group=gc)
        send_rest(web, "web_carol", "carol 5", group=gc)
        for x in (other, d):
            wait(x, lambda x: unread(x) == {"Carol Web": "3"}, 2, "carol's 3 new")
            x.execute_script("window.__lists = []")
        st, _, m = rest(web, "PUT", f"/api/message_groups/{gc}/read", web.tok[me_],
                        {"read_to": c3["created_at"]})
        assert st == 200 and m["unread"] == 2, m
        for x in (other, d):
            wait(x, lambda x: unread(x) == {"Carol Web": "2"} and x.title == "(2) ddbchat", 2,
                 "the event's count")
            assert x.execute_script("return window.__lists") == []
        # the first read event again (as a reconnection from an older position would bring
        # it), after a reload took the count from the listing: an old marker's count is not
        # taken, the badge stays
        other.refresh()
        wait(other, lambda x: by_css(x, "#live[data-state=on]"), 10, "live after the reload")
        wait(other, lambda x: unread(x) == {"Carol Web": "2"}, 5, "the count from the listing")
        other.execute_script(
            "const es = window.__es.filter((e) => e.readyState === 1).pop();"
            "es.dispatchEvent(new MessageEvent('read', {data: JSON.stringify(arguments[0])}))",
            {"message_group_uuid": gc, "read_to": c2["created_at"], "unread": 0})
        assert unread(other) == {"Carol Web": "2"} and other.title == "(2) ddbchat"
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])
        fresh(other)


def test_a_silent_stream_is_reconnected(web, two):
    """The server says 'ping' on every stream every 15 s (an event since 76aca0d: a comment
    never reaches the page).  A stream that has said nothing for 35 s is dead without knowing
    it (a server that hangs, a connection whose far end went without a word: nothing closes
    it), so the page drops it and connects again.  Simulated: the server stopped (SIGSTOP:
    its connections stay open, silent) and the page's clock moved 40 s on.  Before, the page
    said 'live' all along; it must say it is not, then be live again once the server runs,
    and get the next message."""
    import signal
    me_ = "web_silent"
    web.tok[me_] = token(add_user(web, me_, "Silent Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "before", handle=me_)["message_group_uuid"]
    d = conv_page(web, two[1], me_, "Alice Web", ["before"], "the first message")
    web.proc.send_signal(signal.SIGSTOP)
    try:
        d.execute_script("const now = Date.now; Date.now = () => now() + 40000;")
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 4, "the silent stream dropped")
    finally:
        web.proc.send_signal(signal.SIGCONT)
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "live again")
    send_rest(web, "web_alice", "after", group=g)
    wait(d, lambda d: bubbles(d) == ["before", "after"], 3, "the next message")


def test_each_conversation_keeps_its_draft(web, two):
    """Text typed but not sent stays with its conversation: opening another one shows that
    one's draft (or nothing), and coming back brings it back.  Before, the composer kept the
    text across conversations, so a reply typed for alice went to bob with Enter."""
    me_ = "web_drafts"
    web.tok[me_] = token(add_user(web, me_, "Drafts Web"), exp_in=3600)
    send_rest(web, "web_alice", "from alice", handle=me_)
    send_rest(web, "web_bob", "from bob", handle=me_)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    wait(d, lambda d: conv_names(d) == ["Bob Web", "Alice Web"], 5, "the list")
    box = lambda: by_css(d, "#text")[0]  # noqa: E731
    open_conv(d, "Alice Web")
    box().send_keys("for alice")
    open_conv(d, "Bob Web")
    assert box().get_attribute("value") == ""
    box().send_keys("for bob")
    open_conv(d, "Alice Web")
    assert box().get_attribute("value") == "for alice"
    assert by_css(d, "#count")[0].text == "9 / 1024"
    open_conv(d, "Bob Web")
    assert box().get_attribute("value") == "for bob"


# A tab whose renderer crashes ("Aw, Snap!") runs nothing of its page on the way out: no
# pagehide, beforeunload, unload or visibilitychange.  The driver refuses every command to a
# crashed tab (chrome://crash and CDP Page.crash leave it unusable), so the crash is played
# as the page sees it: run before the page's own script, this swallows those events (a
# listener on window, capturing, registered first) and the tab is reloaded; the tab's
# sessionStorage is the browser's and stays, as it does across a crash.
NO_GOODBYE = """for (const t of ['pagehide', 'beforeunload', 'unload', 'visibilitychange', 'freeze'])
  window.addEventListener(t, (ev) => ev.stopImmediatePropagation(), true);"""


def crash_and_reload(d):
    inject(d, NO_GOODBYE)
    d.refresh()


def test_a_draft_outlives_a_reload_and_a_tab_crash(web, two):
    """What is typed in a conversation and not sent yet is kept as it is typed (each
    keystroke, in the tab's sessionStorage, beside its sign-in): a reload, or the tab's
    renderer crashing, brings it back in its conversation; sending it clears it, so the
    next reload shows an empty composer.  Before, the drafts were kept only when a 401 ended
    the session: a plain reload lost a half-typed reply.  sessionStorage, not localStorage:
    the sign-in is the tab's (a token in sessionStorage), so a draft is the tab's too, and
    nothing a user typed stays on the machine once the tab is closed."""
    from selenium.webdriver.common.keys import Keys
    me_ = "web_draftkeep"
    web.tok[me_] = token(add_user(web, me_, "Draft Keep"), exp_in=3600)
    ga = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    send_rest(web, "web_bob", "from bob", handle=me_)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    box = lambda: by_css(d, "#text")[0]  # noqa: E731
    open_conv(d, "Alice Web")
    box().send_keys("half typed")
    open_conv(d, "Bob Web")
    box().send_keys("for bob")
    open_conv(d, "Alice Web")
    d.refresh()
    wait(d, lambda d: by_css(d, "#conv-title")[0].text == "Alice Web" and
         bubbles(d) == ["from alice"], 10, "alice's conversation after the reload")
    assert box().get_attribute("value") == "half typed"
    assert by_css(d, "#count")[0].text == "10 / 1024"
    box().send_keys(", more")
    crash_and_reload(d)
    wait(d, lambda d: d.execute_script("return location.hash") == f"#c={ga}" and
         by_css(d, "#conv-title")[0].text == "Alice Web", 15, "alice's after the crash")
    assert box().get_attribute("value") == "half typed, more"
    open_conv(d, "Bob Web")
    assert box().get_attribute("value") == "for bob"
    # sent: gone from the composer and from what a reload brings back
    box().send_keys(Keys.ENTER)
    wait(d, lambda d: bubbles(d) == ["from bob", "for bob"] and
         not by_css(d, "#messages li.pending"), 5, "sent")
    d.refresh()
    wait(d, lambda d: by_css(d, "#conv-title")[0].text == "Bob Web" and
         bubbles(d) == ["from bob", "for bob"], 10, "bob's after the reload")
    assert box().get_attribute("value") == ""
    open_conv(d, "Alice Web")
    assert box().get_attribute("value") == "half typed, more"


# Run before the page's own script: every fetch fails as with no network (the page itself came
# from the cache or the server went between the page and its first request) until the test
# sets window.__down = false.
DOWN_AT_LOAD = """window.__down = true;
const realFetch = window.fetch;
window.fetch = (path, init) => (window.__down ? Promise.reject(new TypeError('Failed to fetch'))
  : realFetch(path, init));"""


def test_the_server_out_of_reach_at_load(web, two):
    """The page loaded (a reload) while the server cannot be reached: the sign-in view says
    so and that it tries again by itself, the tab keeps its sign-in, and once the server
    answers the page signs in without a word from the user: the conversation in the address
    and its draft are back.  Before, the first failed request threw the token away: the user
    had to find a token and paste it (the link's fragment was gone from the address), and
    the view said nothing of trying again."""
    me_ = "web_atload"
    web.tok[me_] = token(add_user(web, me_, "Atload Web"), exp_in=3600)
    send_rest(web, "web_alice", "from alice", handle=me_)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    open_conv(d, "Alice Web")
    by_css(d, "#text")[0].send_keys("typed before")
    inject(d, DOWN_AT_LOAD)
    d.refresh()
    err = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #signin-error:not([hidden])"),
               5, "the sign-in view with the reason")[0].text
    assert err.startswith("Cannot reach the server") and "trying again by itself" in err.lower() \
        and "a draft is kept" in err.lower(), err
    assert d.execute_script("return sessionStorage.getItem('ddbchat.token')") == web.tok[me_]
    d.execute_script("window.__down = false")
    wait(d, lambda d: by_css(d, "#app:not([hidden])") and
         by_css(d, "#conv-title")[0].text == "Alice Web" and bubbles(d) == ["from alice"],
         10, "signed in by itself, alice's conversation open")
    assert by_css(d, "#text")[0].get_attribute("value") == "typed before"
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "the live event stream")


# Run before the page's own script: the page's clock (Date.now) is the test's while
# window.__now is set, so a test can move it past midnight without waiting a day.
CLOCK = """(() => { const real = Date.now;
  Date.now = () => (typeof window.__now === 'number' ? window.__now : real()); })();"""


def test_today_becomes_a_date_after_midnight(web, two):
    """A message of today shows its time only ("11:25 AM"), yesterday's "Yesterday, 11:25 AM",
    an earlier day's its date too.  A page left open past midnight showed yesterday's
    messages as today's: the labels were fixed when drawn; and yesterday's showed a date the
    reader had to work out was yesterday.  The page's clock is set to 1.5 s before the next
    midnight (UTC), then moved past it, then past the one after: the open conversation's
    label and the list's both follow, within the second the page checks its clock in."""
    me_ = "web_clock"
    web.tok[me_] = token(add_user(web, me_, "Clock Web"), exp_in=3600)
    m = send_rest(web, "web_alice", "before midnight", handle=me_)
    t = datetime.datetime.strptime(m["created_at"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    midnight = datetime.datetime.combine(t.date() + datetime.timedelta(days=1),
                                         datetime.time(), tzinfo=datetime.timezone.utc)
    ms = int(midnight.timestamp() * 1000)
    short = t.strftime("%I:%M %p")
    dated = f"{t.strftime('%b')} {t.day}, {t.year}, {short.lstrip('0')}"  # en-US medium, short
    d = two[1]
    d.switch_to.new_window("tab")
    try:
        fresh(d, tz="UTC")
        inject(d, CLOCK + f"window.__now = {ms - 1500};")
        sign_in_by_link(d, web, me_)
        open_conv(d, "Alice Web")
        labels = lambda d: d.execute_script(  # noqa: E731
            "return [...document.querySelectorAll('#conversations time, #messages time')]"
            ".map(e => e.textContent)")
        wait(d, lambda d: labels(d) == [short, short], 5, "today's labels")
        d.execute_script(f"window.__now = {ms + 1000};")
        yday = f"Yesterday, {short}"
        try:
            wait(d, lambda d: labels(d) == [yday, yday], 3, "yesterday's labels")
        except AssertionError as e:
            raise AssertionError(f"{e}: {labels(d)} want {yday!r}") from None
        d.execute_script(f"window.__now = {ms + 86400000 + 1000};")
        try:
            wait(d, lambda d: labels(d) == [dated, dated], 3, "the labels with their date")
        except AssertionError as e:
            raise AssertionError(f"{e}: {labels(d)} want {dated!r}") from None
        # and back (the clock set right again): today's labels again
        d.execute_script(f"window.__now = {ms - 1000};")
        wait(d, lambda d: labels(d) == [short, short], 3, "today's labels again")
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])


def test_back_forward_and_reload_keep_the_open_conversation(web, two):
    """The open conversation is in the address (#c=<message_group_uuid>) and in the history:
    the browser's Back and Forward go from conversation to conversation (and back to none),
    a reload opens the same one again, and the address alone (a bookmark, another tab of the
    same session) opens it too.  Before, Back left the page and a reload lost the
    conversation.  Signing out leaves no conversation in the address."""
    me_ = "web_backfwd"
    web.tok[me_] = token(add_user(web, me_, "History Web"), exp_in=3600)
    ga = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    gb = send_rest(web, "web_bob", "from bob", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    wait(d, lambda d: conv_names(d) == ["Bob Web", "Alice Web"], 5, "the list")
    title = lambda d: by_css(d, "#conv-title")[0].text if by_css(d, "#conv:not([hidden])") \
        else None  # noqa: E731
    hash_ = lambda d: d.execute_script("return location.hash")  # noqa: E731
    open_conv(d, "Alice Web")
    assert hash_(d) == f"#c={ga}"
    open_conv(d, "Bob Web")
    assert hash_(d) == f"#c={gb}"
    d.back()
    wait(d, lambda d: title(d) == "Alice Web" and bubbles(d) == ["from alice"], 5,
         "alice's conversation again, by Back")
    assert hash_(d) == f"#c={ga}"
    d.back()
    wait(d, lambda d: title(d) is None, 5, "no conversation open, by Back again")
    assert by_css(d, "#app:not([hidden])") and hash_(d) == ""
    d.forward()
    wait(d, lambda d: title(d) == "Alice Web" and bubbles(d) == ["from alice"], 5,
         "alice's conversation, by Forward")
    d.refresh()
    wait(d, lambda d: title(d) == "Alice Web" and bubbles(d) == ["from alice"], 10,
         "alice's conversation after a reload")
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "live after the reload")
    send_rest(web, "web_alice", "after the reload", group=ga)
    wait(d, lambda d: bubbles(d) == ["from alice", "after the reload"], 5, "live in it")
    # the address alone (no history state): bob's
    d.get("about:blank")
    d.get(f"{web.api_url}/#c={gb}")
    wait(d, lambda d: title(d) == "Bob Web" and bubbles(d) == ["from bob"], 10,
         "bob's conversation from the address")
    assert notice(d) == ""
    # the address of a conversation where only this user has written: whom it is with comes
    # from the list (it opened nothing, silently)
    gc = send_rest(web, me_, "only mine", handle="web_carol")["message_group_uuid"]
    d.get("about:blank")
    d.get(f"{web.api_url}/#c={gc}")
    wait(d, lambda d: title(d) == "Carol Web" and bubbles(d) == ["only mine"], 10,
         "carol's conversation from the address")
    # phone width: the page's own Back (←) shows the list, and the address says so: a reload
    # shows the list, not the conversation left (it reopened it)
    d.set_window_size(375, 700)
    by_css(d, "#back")[0].click()
    wait(d, lambda d: by_css(d, "#list-pane")[0].is_displayed(), 5, "the list")
    assert hash_(d) == ""
    d.refresh()
    wait(d, lambda d: by_css(d, "#app:not([hidden])") and conv_names(d), 10, "the page again")
    assert by_css(d, "#list-pane")[0].is_displayed() and title(d) is None
    by_css(d, "#signout")[0].click()
    wait(d, lambda d: by_css(d, "#signin:not([hidden])"), 5, "the sign-in view")
    assert hash_(d) == ""


def test_sign_out_leaves_nothing_of_the_user(web, two):
    """Signing out clears what the page keeps of the user, for whoever uses the browser next:
    no name, handle, conversation partner, message, draft or typed handle anywhere in the
    page (its text, attributes, field values), nothing in sessionStorage or the address, the
    count back at 0 with Send usable.  Before, the signed-out page still held the user's name
    (#me), the last conversation's name and handle, the 'Write to' handle, and a too-long
    draft's count with Send disabled for the next user."""
    me_ = "web_leave"
    web.tok[me_] = token(add_user(web, me_, "Leaving Web"), exp_in=3600)
    send_rest(web, "web_alice", "a secret from alice", handle=me_)
    send_rest(web, "web_erin", "from erin", handle=me_)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    open_conv(d, "Erin Web")
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d) == ["a secret from alice"], 5, "the message")
    # the browser's own Back and Forward: the entries they leave keep the title they had, which
    # a page cannot rename afterwards (final22 F4), so no title may name anyone
    d.back()
    wait(d, lambda d: bubbles(d) == ["from erin"], 5, "erin's conversation by Back")
    d.forward()
    wait(d, lambda d: bubbles(d) == ["a secret from alice"], 5, "alice's by Forward")
    d.execute_script("const t = document.getElementById('text'); t.value = 'y'.repeat(1100);"
                     "t.dispatchEvent(new Event('input'))")
    assert not by_css(d, "#send")[0].is_enabled()
    by_css(d, "#new-btn")[0].click()
    by_css(d, "#new-handle")[0].send_keys("web_bob")
    by_css(d, "#signout")[0].click()
    wait(d, lambda d: by_css(d, "#signin:not([hidden])"), 5, "the sign-in view")
    page = d.execute_script(
        "const out = [document.title, location.href, String(sessionStorage.length)];"
        "for (const e of document.querySelectorAll('*')) {"
        "  for (const a of e.attributes) out.push(a.value);"
        "  if ('value' in e && typeof e.value === 'string') out.push(e.value);"
        "}"
        "out.push(document.body.textContent); return out.join('\\n');")
    left = [w for w in ("Leaving Web", me_, "Alice Web", "web_alice", "a secret from alice",
                        "yyyy", "web_bob") if w in page]
    assert left == [], left
    assert d.execute_script("return document.getElementById('count').textContent") == \
        "0 / 1024"
    assert d.execute_script("return sessionStorage.length") == 0
    # Back: the entry before (erin's conversation) names no one (its history state held the
    # partner's handle and name) and its address is cleared while signed out
    d.back()
    wait(d, lambda d: d.execute_script("return location.hash") == "", 3, "the address cleared")
    st = d.execute_script("return JSON.stringify(history.state)")
    assert not any(w in st for w in ("Erin", "erin", "Leaving", me_)), st
    # nor do the tab's entries' titles, which the Back button's list shows (final22 F2: each
    # entry kept the title it had when left, the partner's name)
    entries = d.execute_cdp_cmd("Page.getNavigationHistory", {})["entries"]
    blank = max(i for i, e in enumerate(entries) if e["url"] == "about:blank")
    titles = [e["title"] for e in entries[blank + 1:]]  # this user's, since sign_in_by_link
    assert not [t for t in titles if "Web" in t], titles
    assert by_css(d, "#signin:not([hidden])")
    # the next user in this tab starts clean: Send usable, no 'Write to' form open
    sign_in_by_link(d, web, "web_dave")
    open_conv(d, wait(d, conv_names, 5, "dave's list")[0])
    assert by_css(d, "#send")[0].is_enabled() and by_css(d, "#new-form[hidden]")


def live_texts(d):
    """The text inside the page's live regions, from Chromium's accessibility tree (what a
    screen reader is told to announce when it changes), one string."""
    nodes = d.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    by_id = {n["nodeId"]: n for n in nodes}
    out = []

    def walk(n):
        if n.get("role", {}).get("value") == "StaticText":
            out.append(n.get("name", {}).get("value", ""))
        for c in n.get("childIds", []):
            if c in by_id:
                walk(by_id[c])
    for n in nodes:
        props = {p["name"]: p["value"].get("value") for p in n.get("properties", [])}
        if props.get("live") in ("polite", "assertive") and not n.get("ignored"):
            walk(n)
    return "\n".join(out)


def unnamed_controls(d):
    """Controls (buttons, text fields, links) the accessibility tree gives no name."""
    nodes = d.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    return [(n["role"]["value"], n.get("backendDOMNodeId")) for n in nodes
            if not n.get("ignored") and n.get("role", {}).get("value") in
            ("button", "textbox", "link", "combobox", "checkbox", "searchbox")
            and not n.get("name", {}).get("value", "").strip()]


CONTRAST = open(os.path.join(os.path.dirname(__file__), "web_contrast.js")).read()
HANG_SENDS = """const realFetch = window.fetch;
window.fetch = (path, init) => {
  if (!init || init.method !== 'POST' || path !== '/api/messages') return realFetch(path, init);
  return init.body.includes('not sent') ?  // an error answered: 'Not sent' until Retry
    Promise.resolve(new Response('{"error":{"code":"internal","message":"internal error"}}',
                    {status: 500, headers: {'Content-Type': 'application/json'}})) :
    new Promise(() => {});
};"""


def test_accessibility_announcements_names_and_contrast(web, two):
    """For screen readers (Chromium's accessibility tree, CDP): a message that arrives is
    announced (a live region), with its sender's name, in the open conversation or another
    one; the messages already there and pages of older ones are not (the list was a live log:
    opening a conversation or scrolling back read every message out); the character count is
    not read at each key (it was a live region), but the limit is the composer's description
    and going over it is announced; every control has a name; every text on screen has WCAG
    AA contrast, light and dark, also a message being sent, an unread badge and a notice
    (dark: white on the light blue buttons was 3.2:1)."""
    me_ = "web_a11y"
    web.tok[me_] = token(add_user(web, me_, "Access Web"), exp_in=3600)
    ga = send_rest(web, "web_alice", "old from alice", handle=me_)["message_group_uuid"]
    gc = send_rest(web, "web_carol", "old from carol", handle=me_)["message_group_uuid"]
    d = two[1]
    d.switch_to.new_window("tab")
    try:
        fresh(d)
        sign_in_by_link(d, web, me_)
        open_conv(d, "Alice Web")
        wait(d, lambda d: bubbles(d) == ["old from alice"], 5, "the message")
        assert "old from alice" not in live_texts(d)
        send_rest(web, "web_alice", "alice says hi", group=ga)
        send_rest(web, "web_carol", "carol says hi", group=gc)
        try:
            wait(d, lambda d: all(x in live_texts(d) for x in
                                  ("Alice Web", "alice says hi", "Carol Web", "carol says hi")),
                 5, "both announced")
        except AssertionError as e:
            raise AssertionError(f"{e}: {live_texts(d)!r}") from None
        assert "old from" not in live_texts(d)
        box = by_css(d, "#text")[0]
        box.send_keys("hello")
        assert "5 / 1024" not in live_texts(d)
        desc = d.execute_cdp_cmd("Accessibility.getPartialAXTree", {
            "backendNodeId": d.execute_cdp_cmd("DOM.describeNode", {
                "objectId": d.execute_cdp_cmd("Runtime.evaluate", {
                    "expression": "document.getElementById('text')"})["result"]["objectId"]})
            ["node"]["backendNodeId"], "fetchRelatives": False})["nodes"][0]
        assert "1024" in desc.get("description", {}).get("value", ""), desc
        d.execute_script("arguments[0].value = 'y'.repeat(1100);"
                         "arguments[0].dispatchEvent(new Event('input'))", box)
        wait(d, lambda d: "too long" in live_texts(d).lower(), 2, "too long, announced")
        d.execute_script("arguments[0].value = '';"
                         "arguments[0].dispatchEvent(new Event('input'))", box)
        assert unnamed_controls(d) == []
        # contrast: one 'Not sent' (Retry, Discard), a message on its way, an unread badge
        # (carol's), a notice, New's form
        d.execute_script(HANG_SENDS)
        type_and_enter(d, "not sent")
        wait(d, lambda d: by_css(d, "#messages li.failed button.retry"), 2, "'Not sent'")
        type_and_enter(d, "on its way")
        wait(d, lambda d: by_css(d, "#messages li.pending:not(.failed)"), 2, "the pending one")
        by_css(d, "#new-btn")[0].click()
        by_css(d, "#new-handle")[0].send_keys(me_ + "\n")
        wait(d, lambda d: notice(d), 2, "a notice")
        assert by_css(d, "#conversations .unread")
        for scheme in ("light", "dark"):
            d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
                {"name": "prefers-color-scheme", "value": scheme}]})
            assert d.execute_script(CONTRAST) == [], scheme
        assert unnamed_controls(d) == []
    finally:
        d.close()
        d.switch_to.window(d.window_handles[0])


def scroll_back_to_first(d, n, seconds=15):
    """Scrolls the open conversation to its top until n messages show and no older page is
    left (or the time is up); returns the texts."""
    end = time.time() + seconds
    while time.time() < end:
        got = d.execute_script(
            "const m = document.getElementById('messages'); m.scrollTop = 0;"
            "return m.querySelector('li.older') ? -1 : m.querySelectorAll('li .text').length")
        if got >= n:
            break
        time.sleep(0.1)
    return bubbles(d)


def test_a_long_conversation_stays_bounded_at_its_newest(web, two):
    """Scrolling back through a conversation pages to its first message with none twice and
    none missing; back at the newest ones, the page keeps at most its bound of messages
    (#messages data-max, here 50; 400 by default), however many arrive live, so a long
    session's page does not grow without bound; scrolling back again pages through all of
    them once each, the bound kept (test_an_older_page_at_2000_messages_keeps_frames_short).
    Before, every message loaded or arrived stayed in the page.  A 'Not sent' message stays
    below the newest: while they are let go of (scrolled back) it is not shown, and it is back
    below 'long 149' once they are (before: it stayed at the bottom below the gap, right
    after an old message)."""
    me_ = "web_long"
    web.tok[me_] = token(add_user(web, me_, "Long Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "long 000", handle=me_)["message_group_uuid"]
    for i in range(1, 120):
        send_rest(web, "web_alice" if i % 2 else me_, f"long {i:03d}", group=g)
    d = fresh(two[1], height=600)
    sign_in_by_link(d, web, me_)
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d)[-1:] == ["long 119"], 5, "the newest")
    want = [f"long {i:03d}" for i in range(120)]
    assert scroll_back_to_first(d, 120) == want
    d.execute_script("document.getElementById('messages').dataset.max = '50'")
    shown = lambda d: d.execute_script(  # noqa: E731
        "return document.querySelectorAll('#messages li[data-uuid]').length")
    d.execute_script("const m = document.getElementById('messages'); m.scrollTop = m.scrollHeight")
    wait(d, lambda d: shown(d) <= 50, 5, "the page back to its bound")
    assert bubbles(d)[-1:] == ["long 119"]
    for i in range(120, 150):
        send_rest(web, "web_alice", f"long {i:03d}", group=g)
    wait(d, lambda d: bubbles(d)[-1:] == ["long 149"], 5, "the live ones")
    wait(d, lambda d: shown(d) <= 51, 5, "still bounded")
    d.execute_script(HANG_SENDS)  # 'not sent, kept' is answered 500: 'Not sent' until Retry
    type_and_enter(d, "not sent, kept")
    wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent'")
    # what stands right above each 'Sending…'/'Not sent' entry
    above_pending = lambda d: d.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#messages li.pending')].map((li) => {"
        " let p = li.previousElementSibling; while (p && !p.dataset.uuid)"
        " p = p.previousElementSibling; return p && p.querySelector('.text').textContent; })")
    assert above_pending(d) == ["long 149"]
    # scrolled back, the window holds (at most 50 here, and the page being added): each
    # message once and in order, back to the first
    back = d.execute_async_script(PAGE_WITHIN, True, 10000, "")
    assert back["end"] and back["ordered"] and back["seen"] == 150, back
    assert back["most"] <= 90 and bubbles(d)[0] == "long 000", (back, bubbles(d)[:2])
    assert above_pending(d) == [], above_pending(d)  # not below a gap
    # and down again to the newest, from the server's ?after= pages: each once, in order
    down = d.execute_async_script(PAGE_WITHIN, False, 10000, "long 149")
    assert down["end"] and down["ordered"] and down["seen"] >= 100 and down["most"] <= 90, down
    assert bubbles(d)[-2:] == ["long 149", "not sent, kept"], bubbles(d)[-3:]
    assert len(bubbles(d)) == len(set(bubbles(d))) <= 91
    assert above_pending(d) == ["long 149"] and by_css(d, "#messages li.failed .retry")


# While window.__failPages is true, every page of messages (GET /api/messages/...) is
# answered 500 "injected failure" (the server refusing).
FAIL_PAGES = """
window.__failPages = false;
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  if (window.__failPages && String(path).startsWith('/api/messages/'))
    return new Response(JSON.stringify({error: {code: 'internal', message: 'injected failure'}}),
      {status: 500, headers: {'Content-Type': 'application/json'}});
  return realFetch(path, init);
};
"""


def test_each_end_keeps_its_own_did_not_load_line(web, two):
    """r32b L6, and loadNewer's failure (untested before): in a conversation scrolled back
    (#messages data-max 50: its newest let go of, to come back by ?after= pages), an older
    page that fails says so at the top and a newer page that fails says so at the bottom,
    both at once, each with its own Try again; the newer page's Try again loads it and takes
    away only the bottom line, the older one's then the top line.  Before, one line served
    the whole conversation: the bottom failure replaced the top one, and any page that came
    took away the other end's line."""
    me_ = "web_ends"
    web.tok[me_] = token(add_user(web, me_, "Ends Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "ends 000", handle=me_)["message_group_uuid"]
    for i in range(1, 140):
        send_rest(web, "web_alice", f"ends {i:03d}", group=g)
    d = fresh(two[1], height=600)
    sign_in_by_link(d, web, me_)
    d.execute_script(FAIL_PAGES)
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d)[-1:] == ["ends 139"], 5, "the newest")
    d.execute_script("document.getElementById('messages').dataset.max = '50'")
    to_top = ("const m = document.getElementById('messages'); m.scrollTop = 0;"
              "m.dispatchEvent(new Event('scroll'))")
    to_bottom = ("const m = document.getElementById('messages'); m.scrollTop = m.scrollHeight;"
                 "m.dispatchEvent(new Event('scroll'))")
    d.execute_script(to_top)  # an older page: the newest let go of
    wait(d, lambda d: "ends 139" not in bubbles(d) and "ends 099" in bubbles(d), 5,
         "an older page, the newest let go of")
    d.execute_script("window.__failPages = true")
    lines = lambda d: d.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#messages > li.load-failed')].map((li) =>"
        " [li.dataset.where, li.textContent,"
        "  !!(li.previousElementSibling && li.previousElementSibling.dataset.uuid),"
        "  !!(li.nextElementSibling && li.nextElementSibling.dataset.uuid)])")
    wait(d, lambda d: (d.execute_script(to_top) or True) and len(lines(d)) == 1, 5,
         "the older page's failure")
    d.execute_script(to_bottom)
    wait(d, lambda d: len(lines(d)) == 2, 5, "the newer page's failure beside it")
    got = lines(d)
    text = "Messages did not load: injected failure. Try again"
    # the top's line above the first message shown, the bottom's below the last
    assert got == [["top", text, False, True], ["below", text, True, False]], got
    d.execute_script("window.__failPages = false")
    below = by_css(d, "#messages > li.load-failed[data-where=below] button")[0]
    assert below.accessible_name == "Try again to load the messages"
    last_shown = bubbles(d)[-1]
    below.click()
    wait(d, lambda d: bubbles(d)[-1] > last_shown, 5, "the newer page, tried again")
    assert [x[0] for x in lines(d)] == ["top"], lines(d)
    # (the newer page let go of the oldest shown: the top's line stays above those left;
    # what its Try again loads may be let go of in turn at a bound of 50, so the page's
    # answer is what is looked at)
    d.execute_script(
        "window.__pages = []; const f = window.fetch; window.fetch = async (p, i) => {"
        " const r = await f(p, i); if (String(p).includes('cursor='))"
        " window.__pages.push((await r.clone().json()).map((m) => m.message)); return r; }")
    d.execute_script(
        "const b = document.querySelector('#messages > li.load-failed[data-where=top] button');"
        "if (b) b.click()")
    wait(d, lambda d: lines(d) == [] and d.execute_script("return window.__pages.length"), 5,
         "the older page, tried again")
    older = d.execute_script("return window.__pages[0]")
    assert older and older[-1] < "ends 100", older


def test_a_frozen_tab_gives_the_stream_to_the_others(web, two):
    """Two tabs of one user: both live, a message sent in one shows in the other once.  The
    browser freezes a hidden tab (Page Lifecycle; CDP Page.setWebLifecycleState): the tab
    holding the shared stream then ran nothing, so the other tab, on screen, said 'live' and
    got nothing until the frozen one came back.  Frozen, it gives the stream up: the other
    tab gets the next message within seconds; the frozen one, back, shows it too, once."""
    me_ = "web_freeze"
    web.tok[me_] = token(add_user(web, me_, "Freeze Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "before", handle=me_)["message_group_uuid"]
    d = two[1]
    first = d.current_window_handle
    tabs = []
    try:
        for _ in range(2):
            d.switch_to.new_window("tab")
            tabs.append(d.current_window_handle)
            fresh(d)
            sign_in_by_link(d, web, me_)
            open_conv(d, "Alice Web")
            wait(d, lambda d: bubbles(d) == ["before"], 5, "the first message")
        type_and_enter(d, "from the second tab")
        d.switch_to.window(tabs[0])
        wait(d, lambda d: bubbles(d) == ["before", "from the second tab"], 5,
             "the other tab's message, once")
        d.execute_cdp_cmd("Page.setWebLifecycleState", {"state": "frozen"})
        d.switch_to.window(tabs[1])
        send_rest(web, "web_alice", "while frozen", group=g)
        wait(d, lambda d: bubbles(d)[-1:] == ["while frozen"], 5,
             "the message in the tab on screen")
        d.switch_to.window(tabs[0])
        d.execute_cdp_cmd("Page.setWebLifecycleState", {"state": "active"})
        wait(d, lambda d: bubbles(d) == ["before", "from the second tab", "while frozen"], 5,
             "the message in the tab back from frozen, once")
        send_rest(web, "web_alice", "after", group=g)
        for h in tabs:
            d.switch_to.window(h)
            wait(d, lambda d: bubbles(d) == ["before", "from the second tab", "while frozen",
                                             "after"], 5, "the next one in each tab, once")
    finally:
        for h in tabs:
            d.switch_to.window(h)
            d.close()
        d.switch_to.window(first)





# The open conversation's history served by the page itself (its fetch wrapped), so a long
# conversation needs no thousands of POSTs: message i (0 the newest) of arguments[2], a
# minute apart and varied in length; pages of 40 back by the cursor (the page's number) and
# forward by ?after=, as the server pages them.
FAKE_HISTORY = """
const group = arguments[0], me = arguments[1], total = arguments[2];
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
const words = ['ok', 'see you at the station at nine', 'a longer message that wraps onto ' +
  'two or three lines in its bubble, as people write them when they explain something', 'hm'];
const msg = (i) => ({ uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  handle: i % 3 ? 'web_alice' : me, display_name: i % 3 ? 'Alice Web' : 'Frames Web',
  message: `fake ${i} ${words[i % 4]}`,
  created_at: new Date(Date.UTC(2026, 0, 1) - i * 60000).toISOString().replace('Z', '000Z') });
window.__inflight = 0;
window.fetch = async (path, init) => {
  const u = new URL(path, location.href);
  if (!u.pathname.startsWith('/api/messages/' + group)) return realFetch(path, init);
  const after = u.searchParams.get('after');
  const out = [];
  const headers = { 'Content-Type': 'application/json' };
  if (after) {
    for (let i = total - 1; i >= 0 && out.length < 40; i--) {
      if (msg(i).created_at > after) out.push(msg(i));
    }
  } else {
    const page = Number(u.searchParams.get('cursor') || 0);
    for (let i = Math.min(page * 40 + 39, total - 1); i >= page * 40; i--) out.push(msg(i));
    if ((page + 1) * 40 < total) headers['X-Next-Cursor'] = String(page + 1);
  }
  window.__inflight++;
  await new Promise((r) => setTimeout(r, 1));
  setTimeout(() => { window.__inflight--; }, 0);  // after the page's handling of it
  return new Response(JSON.stringify(out), { headers });
};
"""

# Pages from within the page (a round trip per scroll is slow): scrolls to the top (up) or
# the bottom until the end (no older page left; the last message `last`) or `stop` messages
# were seen; answers the most messages shown at once, whether they were in order each time,
# and how many were seen.
PAGE_WITHIN = """
const [up, stop, last] = arguments, done = arguments[arguments.length - 1];
const m = document.getElementById('messages');
const shown = () => [...m.querySelectorAll('li[data-uuid]')];
const t0 = performance.now();
let most = 0, ordered = true;
const seen = new Set();
const step = () => {
  const s = shown();
  most = Math.max(most, s.length);
  for (let i = 1; i < s.length; i++) if (s[i - 1].dataset.at >= s[i].dataset.at) ordered = false;
  s.forEach((li) => seen.add(li.dataset.uuid));
  const end = up ? !m.querySelector('li.older') :
    s.length && s[s.length - 1].querySelector('.text').textContent === last;
  if ((!window.__inflight && (end || seen.size >= stop)) || performance.now() - t0 > 30000) {
    done({ most, ordered, seen: seen.size, end: !!end });
    return;
  }
  m.scrollTop = up ? 0 : m.scrollHeight;
  m.dispatchEvent(new Event('scroll'));
  setTimeout(step, 10);
};
step();
"""

ONE_OLDER_PAGE = """
const done = arguments[0], m = document.getElementById('messages');
m.scrollTop = 0;
m.dispatchEvent(new Event('scroll'));
const w = () => { if (window.__inflight) { setTimeout(w, 5); return; }
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 20))); };
setTimeout(w, 5);
"""


def test_an_older_page_at_2000_messages_keeps_frames_short(web, two):
    """Scrolling back through 2,000 messages: the page kept every one, and an older page put
    above ~2,000 shown blocked 85-94 ms in one frame on a quiet machine (style, layout,
    pre-paint and paint of them all: the reader's scrolling stalled; 29-36 ms of main-thread
    CPU time by the count below).
    Now it keeps a window of at most 400 both ways (the newest let go of at the far bottom
    while paging back, back by ?after= going down; the oldest let go of at the far top going
    down, back by their cursor): a page deep in the history costs the main thread well under
    those 85 ms, every message is shown once and in order both ways, and a message that
    arrives live while scrolled back shows once the newest are reached.  The main thread's
    time is Chromium's own count (CDP Performance.getMetrics in thread ticks: CPU time, which
    a busy machine inflates far less than wall time)."""
    me_ = "web_frames"
    web.tok[me_] = token(add_user(web, me_, "Frames Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "real one", handle=me_)["message_group_uuid"]
    d = fresh(two[1], height=700)
    sign_in_by_link(d, web, me_)
    d.execute_script(FAKE_HISTORY, g, me_, 2000)
    open_conv(d, "Alice Web")
    wait(d, lambda d: len(bubbles(d)) == 40, 5, "the first (made-up) page")
    d.execute_cdp_cmd("Performance.enable", {"timeDomain": "threadTicks"})
    task = lambda: {x["name"]: x["value"] for x in  # noqa: E731
                    d.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}["TaskDuration"]
    back = d.execute_async_script(PAGE_WITHIN, True, 1880, "")
    assert back["ordered"] and back["seen"] >= 1880 and back["most"] <= 440, back
    costs = []  # five pages deep in the history, each timed
    for _ in range(5):
        t0 = task()
        d.execute_async_script(ONE_OLDER_PAGE)
        costs.append(round((task() - t0) * 1000, 1))
    print("main thread ms per older page", costs)
    # 29-36 ms before by this count on a quiet machine; 3-4 ms with the window (15-24 at a
    # load of 8: the least of five; make test runs another file beside this one).  The
    # window's own bound (most <= 440, above) is the exact check; this one catches a page
    # whose cost per older page is back near the old one.
    assert min(costs) < 28, costs
    back = d.execute_async_script(PAGE_WITHIN, True, 10000, "")
    assert back["end"] and back["ordered"] and back["most"] <= 440, back
    assert bubbles(d)[0] == "fake 1999 hm"
    # a message arrives live while scrolled back: it waits for the newest
    send_rest(web, "web_alice", "live while scrolled back", group=g)
    time.sleep(0.5)
    assert "live while scrolled back" not in bubbles(d)
    down = d.execute_async_script(PAGE_WITHIN, False, 10000, "live while scrolled back")
    assert down["end"] and down["ordered"] and down["seen"] == 2001, down
    assert down["most"] <= 441, down
    got = bubbles(d)
    assert got[-2:] == ["fake 0 ok", "live while scrolled back"], got[-3:]
    assert len(got) == len(set(got)) <= 441, len(got)


def test_unsent_messages_outlive_an_expired_token(web, two):
    """The token expiring ends the session, not what was typed: one waiting for Retry ("Not
    sent", a 500), one typed offline and a draft are kept when the 401 signs the page out (the
    sign-in view says so), and signing in again as the same user brings them back: the offline
    one goes by itself (stored once), the other waits in its place, the draft is in the
    composer again.  Only Sign out discards them.
    Before: the 401 emptied the outbox and its sessionStorage copy, and both were lost without
    a word (review26 finding 6)."""
    me = "web_expiry"
    uid = add_user(web, me, "Expiry Web")
    web.tok[me] = token(uid, exp_in=3600)
    g = send_rest(web, "web_alice", "hello expiry", handle=me)["message_group_uuid"]
    d = fresh(two[1])
    try:
        exp = math.ceil(time.time() + 12)
        short = token(uid, exp_in=None, exp=exp)
        sign_in_by_link(d, web, me, tok=short)
        open_conv(d, "Alice Web")
        wait(d, lambda d: bubbles(d) == ["hello expiry"], 5, "alice's conversation")
        d.execute_script(HOLD_THEN_FAIL)
        type_and_enter(d, "FAIL waits for Retry")
        release_one(d)
        wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent' (500)")
        network(d, online=False)
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 3, "the stream dropped")
        type_and_enter(d, "typed offline")
        release_one(d)
        wait(d, lambda d: len(by_css(d, "#messages li.failed")) == 2, 5, "'Not sent' (offline)")
        by_css(d, "#text")[0].send_keys("half typed")  # a draft, Enter not pressed
        assert time.time() < exp, "the token expired before the test got here"
        wait(d, lambda d: rest(web, "GET", "/api/me", short)[0] == 401, exp + 5 - time.time(),
             "the token refused")
        network(d, online=True)
        err = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #signin-error:not([hidden])"),
                   10, "the sign-in view with the reason")[0].text
        assert "Sign in again. 2 messages not sent yet and a draft are kept for when you sign " \
            f"in again as @{me}." in err, err
        assert by_css(d, "#messages li") == [] and by_css(d, "#me")[0].text == ""
        assert d.execute_script("return sessionStorage.getItem('ddbchat.outbox')")
        # the same user again (a new token): both back, the notice says so
        sign_in_by_link(d, web, me)
        said = wait(d, notice, 10, "the notice")
        assert said == "2 messages not sent when the session ended were kept: 1 goes now, " \
            "1 waits as \"Not sent\", with Retry and Discard, in the conversation with " \
            "@web_alice.", said
        stored = ["hello expiry", "typed offline"]
        wait(d, lambda d: [x["message"] for x in
                           rest(web, "GET", f"/api/messages/{g}", web.tok[me])[2]] == stored,
             10, "the offline one stored, once")
        open_conv(d, "Alice Web")
        wait(d, lambda d: bubbles(d) == ["hello expiry", "FAIL waits for Retry", "typed offline"]
             and len(by_css(d, "#messages li.failed")) == 1, 5, "'Not sent' in its place")
        assert by_css(d, "#text")[0].get_attribute("value") == "half typed"
        # Sign out: discarded, as it always was
        by_css(d, "#signout")[0].click()
        wait(d, lambda d: by_css(d, "#signin:not([hidden])"), 5, "signed out")
        assert d.execute_script("return sessionStorage.getItem('ddbchat.outbox')") is None
        assert by_css(d, "#signin-error")[0].text == ""
    finally:
        network(d, online=True)


# The page's POST /api/messages are answered 401, as the server answers an expired token.
SEND_GETS_401 = """
const realFetch = window.__realFetch || (window.__realFetch = window.fetch);
window.fetch = async (path, init) => {
  if (!(init && init.method === 'POST' && path === '/api/messages')) return realFetch(path, init);
  return new Response(JSON.stringify({error: {code: 'unauthorized', message: 'token expired'}}),
                      {status: 401, headers: {'Content-Type': 'application/json'}});
};
"""


def test_a_send_refused_401_goes_at_the_next_sign_in(web, two):
    """A send answered 401 (the session ended while it was on its way) is kept on its way:
    the same user's next sign-in sends it with its Idempotency-Key, stored once.  Another
    user signing in in that tab discards what the previous one left, and says so: not theirs
    to see or send, and not lost without a word."""
    me = "web_expiry2"
    uid = add_user(web, me, "Expiry Two")
    web.tok[me] = token(uid, exp_in=3600)
    g = send_rest(web, "web_alice", "hello again", handle=me)["message_group_uuid"]
    d = conv_page(web, two[1], me, "Alice Web", ["hello again"], "alice's conversation")
    d.execute_script(SEND_GETS_401)
    type_and_enter(d, "refused once")
    err = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #signin-error:not([hidden])"),
               10, "the sign-in view")[0].text
    assert err == f"Token expired. Sign in again. A message not sent yet is kept for when you " \
        f"sign in again as @{me}.", err
    sign_in_by_link(d, web, me)
    said = wait(d, notice, 10, "the notice")
    assert said == "A message not sent when the session ended was kept and goes now.", said
    stored = ["hello again", "refused once"]
    wait(d, lambda d: [x["message"] for x in
                       rest(web, "GET", f"/api/messages/{g}", web.tok[me])[2]] == stored,
         10, "stored once")
    # refused again, then bob signs in in this tab: discarded, said
    open_conv(d, "Alice Web")
    d.execute_script(SEND_GETS_401)
    type_and_enter(d, "never bob's")
    wait(d, lambda d: by_css(d, "#signin:not([hidden])"), 10, "signed out")
    sign_in_by_link(d, web, "web_bob")
    said = wait(d, notice, 10, "the notice to bob")
    assert said == f"A message not sent yet of @{me} was discarded: another user signed in.", \
        said
    assert d.execute_script("return sessionStorage.getItem('ddbchat.outbox')") is None
    assert "never bob's" not in d.page_source
    st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[me])
    assert [x["message"] for x in page] == stored, page


# Before the page's own script: while sessionStorage '__p401' is '1', every /api/ request is
# answered as an authenticating proxy in front of the server answers (401, text/html, its own
# WWW-Authenticate: no ddbchat error body) without reaching the server.
PROXY_401 = """const realFetch401 = window.fetch;
window.fetch = (path, init) => {
  if (sessionStorage.getItem('__p401') !== '1' || !String(path).startsWith('/api/'))
    return realFetch401(path, init);
  return Promise.resolve(new Response('<html><body><h1>401 Authorization Required</h1>',
    {status: 401, headers: {'Content-Type': 'text/html',
                            'WWW-Authenticate': 'Basic realm="corp"'}}));
};"""


def test_the_end_of_a_sign_in_is_said_ahead(web, two):
    """The token's end is read ahead (its "exp"): within 5 minutes of it the page says when
    the sign-in ends, on a notice that stays, and that what is not sent by then is kept; at
    the end it is the sign-in view, with the reason, without a send or a reload.  A token of
    an hour says nothing.  Before session 31 the page learnt of it only from the 401 that
    ended it."""
    me_ = "web_exp_ahead"
    uid = add_user(web, me_, "Exp Ahead")
    web.tok[me_] = token(uid, exp_in=3600)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    time.sleep(0.5)
    assert notice(d) == ""
    d = fresh(two[1])
    exp = math.ceil(time.time() + 15)
    sign_in_by_link(d, web, me_, tok=token(uid, exp_in=None, exp=exp))
    text = wait(d, notice, 5, "the end said")
    at = datetime.datetime.fromtimestamp(exp, datetime.timezone.utc).strftime("%I:%M %p")
    assert text == (f"Your sign-in ends at {at} (its token expires then). Messages not sent "
                    "by then are kept for your next sign-in: get a new token or link before "
                    "it."), text
    assert d.execute_script("return document.getElementById('notice').getAttribute('role')") \
        == "alert"
    err = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #signin-error:not([hidden])"),
               exp + 10 - time.time(), "the sign-in view at the end")[0].text
    assert time.time() >= exp - 1
    assert "Sign in again." in err, err


def test_a_proxys_401_does_not_sign_out(web, two):
    """Only ddbchat's own 401 (its JSON error: the token expired or was refused) ends the
    session.  A 401 from a proxy in front of it (basic auth, an SSO gateway whose cookie ran
    out) asks for the proxy's sign-in, which signing out of ddbchat cannot give: the page
    stays signed in, a send it met waits as "Not sent" saying so (Retry sends it once the
    proxy lets requests through), and met at load it keeps the token, so that the reload
    the message asks for signs in again.  Before, any 401 signed out: the token was dropped,
    and the sign-in view said "The server answered 401 Unauthorized. Sign in again."."""
    me_ = "web_proxy401"
    web.tok[me_] = token(add_user(web, me_, "Proxy Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "from alice", handle=me_)["message_group_uuid"]
    d = conv_page(web, two[1], me_, "Alice Web", ["from alice"],
                  "alice's conversation", seams=(PROXY_401,))
    d.execute_script("sessionStorage.setItem('__p401', '1')")
    type_and_enter(d, "behind the proxy")
    why = wait(d, lambda d: by_css(d, "#messages li.failed") and notice(d), 10,
               "the send refused by the proxy")
    assert "proxy" in why and "reload the page" in why, why
    assert by_css(d, "#app:not([hidden])") and not by_css(d, "#signin:not([hidden])")
    assert d.execute_script("return sessionStorage.getItem('ddbchat.token')")
    assert bubbles(d) == ["from alice", "behind the proxy"]
    # the proxy lets requests through again: Retry sends it
    d.execute_script("sessionStorage.removeItem('__p401')")
    by_css(d, "#messages li.failed button.retry")[0].click()
    wait(d, lambda d: [x["message"] for x in rest(web, "GET", f"/api/messages/{g}",
                                                  web.tok[me_])[2]] ==
         ["from alice", "behind the proxy"], 10, "stored once")
    # met at load: the sign-in view says so and the token stays for the reload
    d.execute_script("sessionStorage.setItem('__p401', '1')")
    d.refresh()
    err = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #signin-error:not([hidden])"),
               10, "the sign-in view")[0].text
    assert "proxy" in err and "reload the page" in err, err
    assert d.execute_script("return sessionStorage.getItem('ddbchat.token')")
    d.execute_script("sessionStorage.removeItem('__p401')")
    d.refresh()
    wait(d, lambda d: f"@{me_})" in by_css(d, "#me")[0].text and
         by_css(d, "#app:not([hidden])"), 10, "signed in again by the reload")


SCROLL_STATE = """const m = document.getElementById('messages');
const j = document.getElementById('jump');
return [m.scrollTop, m.scrollTop + m.clientHeight > m.scrollHeight - 60, j.hidden,
        j.textContent, document.activeElement && document.activeElement.id];"""


def test_new_messages_while_reading_older_ones(web, two):
    """Scrolled up reading older messages when new ones come: the view stays where the reader
    is (not pulled to the bottom), and a bar above the composer says how many came ("↓ 2 new
    messages"); it is a button, reached by keyboard, that takes the reader to the newest,
    leaves the focus in the conversation and goes; the newest seen, the conversation is read
    on the server.  Before, nothing in the conversation said a message had come (only the
    list's badge, hidden at phone width)."""
    from selenium.webdriver.common.keys import Keys
    me_ = "web_reader"
    web.tok[me_] = token(add_user(web, me_, "Reader Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "old 00", handle=me_)["message_group_uuid"]
    for i in range(1, 30):
        send_rest(web, "web_alice", f"old {i:02d}", group=g)
    d = fresh(two[1], width=375, height=640)
    sign_in_by_link(d, web, me_)
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d)[-1:] == ["old 29"], 5, "the newest page")
    wait(d, lambda d: listing(web, me_)["web_alice"][0] == 0, 5, "read on the server")
    d.execute_script("document.getElementById('messages').scrollTop = 120")
    top = wait(d, lambda d: d.execute_script(SCROLL_STATE), 5, "scrolled")[0]
    assert by_css(d, "#jump[hidden]")
    send_rest(web, "web_alice", "new one", group=g)
    wait(d, lambda d: bubbles(d)[-1:] == ["new one"], 5, "the new message")
    st = wait(d, lambda d: (lambda s: s if not s[2] else None)(d.execute_script(SCROLL_STATE)),
              5, "the bar")
    assert abs(st[0] - top) < 2 and not st[1], st  # not pulled down
    assert st[3] == "↓ 1 new message", st
    send_rest(web, "web_alice", "new two", group=g)
    wait(d, lambda d: d.execute_script(SCROLL_STATE)[3] == "↓ 2 new messages", 5, "two")
    assert abs(d.execute_script(SCROLL_STATE)[0] - top) < 2
    assert listing(web, me_)["web_alice"][0] == 2  # not seen: not read
    shot(d, "new-below")
    # by keyboard: Tab from the list of messages reaches it; Enter takes the reader down
    by_css(d, "#messages")[0].send_keys(Keys.TAB)
    assert d.execute_script("return document.activeElement.id") == "jump"
    d.switch_to.active_element.send_keys(Keys.ENTER)
    st = wait(d, lambda d: (lambda s: s if s[1] and s[2] else None)(
        d.execute_script(SCROLL_STATE)), 5, "at the newest, the bar gone")
    assert st[4] == "messages", st
    wait(d, lambda d: listing(web, me_)["web_alice"][0] == 0, 5, "read on the server")
    # at the newest, a new message is simply shown: no bar
    send_rest(web, "web_alice", "new three", group=g)
    wait(d, lambda d: bubbles(d)[-1:] == ["new three"], 5, "the third")
    time.sleep(0.3)
    assert d.execute_script(SCROLL_STATE)[1:3] == [True, True]


# The open conversation's items, top to bottom: a message's text, or "--<text>--" for a line.
ITEMS = """return [...document.querySelectorAll('#messages li[data-uuid], #messages li.divider')]
  .map((li) => li.classList.contains('divider') ?
    `--${li.textContent}--${li.getAttribute('role')}` : li.querySelector('.text').textContent);"""


def test_the_unread_begin_below_a_line(web, two):
    """A conversation opened with unread messages shows a "New messages" line (a separator)
    above the first of them, as chat apps do: above all of a conversation never read, above
    the live ones that came while another conversation was open, and after a reload from the
    server's read marker; opened again once read, no line.  Before, the unread ran on from the read ones with nothing between."""
    me_ = "web_divider"
    web.tok[me_] = token(add_user(web, me_, "Divider Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "read 1", handle=me_)["message_group_uuid"]
    send_rest(web, "web_alice", "read 2", group=g)
    send_rest(web, "web_bob", "from bob", handle=me_)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    open_conv(d, "Alice Web")
    # never read: the line above them all (no older page above)
    wait(d, lambda d: d.execute_script(ITEMS) == ["--New messages--separator", "read 1",
                                                  "read 2"], 5, "alice's conversation")
    wait(d, lambda d: listing(web, me_)["web_alice"][0] == 0, 5, "read on the server")
    open_conv(d, "Bob Web")
    wait(d, lambda d: bubbles(d) == ["from bob"], 5, "bob's conversation")
    for t in ("new 1", "new 2"):
        send_rest(web, "web_alice", t, group=g)
    wait(d, lambda d: unread(d).get("Alice Web") == "2", 5, "alice's badge")
    open_conv(d, "Alice Web")  # opened again: the line where the unread begin now
    want = ["read 1", "read 2", "--New messages--separator", "new 1", "new 2"]
    wait(d, lambda d: d.execute_script(ITEMS) == want, 5, "the line above the unread")
    shot(d, "unread-line")
    # a message arriving meanwhile goes below it
    send_rest(web, "web_alice", "new 3", group=g)
    wait(d, lambda d: d.execute_script(ITEMS) == want + ["new 3"], 5, "the live one")
    wait(d, lambda d: listing(web, me_)["web_alice"][0] == 0, 5, "read on the server")
    # unread that came while the page was closed: from the server's marker after a reload
    # (of bob's conversation: the address keeps the open one)
    open_conv(d, "Bob Web")
    wait(d, lambda d: bubbles(d) == ["from bob"], 5, "bob's conversation")
    send_rest(web, "web_alice", "new 4", group=g)
    d.refresh()
    wait(d, lambda d: unread(d).get("Alice Web") == "1", 10, "the badge after the reload")
    open_conv(d, "Alice Web")
    wait(d, lambda d: d.execute_script(ITEMS)[-3:] ==
         ["new 3", "--New messages--separator", "new 4"], 5, "the line after a reload")
    assert d.execute_script(ITEMS).count("--New messages--separator") == 1
    # reloaded on alice's conversation itself (the address opens it once the list is in)
    wait(d, lambda d: listing(web, me_)["web_alice"][0] == 0, 5, "read on the server")
    url = d.current_url
    d.get("about:blank")  # the page away (it would see the message come and read it)
    send_rest(web, "web_alice", "new 5", group=g)
    d.get(url)
    wait(d, lambda d: d.execute_script(ITEMS)[-3:] ==
         ["new 4", "--New messages--separator", "new 5"], 10, "the line, reloaded on it")
    # read: opened again, no line
    open_conv(d, "Bob Web")
    wait(d, lambda d: bubbles(d) == ["from bob"], 5, "bob's conversation")
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d)[-1:] == ["new 5"], 5, "alice's again")
    time.sleep(0.3)
    assert "--New messages--separator" not in d.execute_script(ITEMS)


# Per link in the open conversation: [its text, whether its first character is drawn left of
# its last one] (a Range over the link's text node).
LINK_ORDER = """return [...document.querySelectorAll('#messages a')].map((a) => {
  const t = a.firstChild, r = document.createRange();
  r.setStart(t, 0); r.setEnd(t, 1);
  const first = r.getBoundingClientRect().left;
  r.setStart(t, t.length - 1); r.setEnd(t, t.length);
  return [a.textContent, first < r.getBoundingClientRect().left];
});"""


def test_a_link_reads_left_to_right_whatever_precedes_it(web, two):
    """A link is a left-to-right isolate (dir=ltr): a right-to-left override (U+202E) written
    before it, which the link ends at but which runs on to the end of the paragraph, cannot
    draw its characters backwards, nor can Hebrew around it.  Before, "\\u202Eabc
    https://example.com/xyz" showed the link as "zyx/moc.elpmaxe//:sptth" while it went to
    example.com/xyz."""
    me_ = "web_linkdir"
    web.tok[me_] = token(add_user(web, me_, "Linkdir Web"), exp_in=3600)
    texts = ["\u202eabc https://example.com/xyz", "שלום https://example.com/a/b, תודה"]
    g = send_rest(web, "web_alice", texts[0], handle=me_)["message_group_uuid"]
    send_rest(web, "web_alice", texts[1], group=g)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    open_conv(d, "Alice Web")
    wait(d, lambda d: bubbles(d) == texts, 5, "the messages")
    assert d.execute_script(LINK_ORDER) == [["https://example.com/xyz", True],
                                            ["https://example.com/a/b", True]]


def test_a_redrawn_conversation_keeps_the_focus(web, two):
    """A keyboard user on a conversation in the list keeps the focus there when it is drawn
    again: a message arriving in it (its last message, its count, its place at the top), a
    message arriving in another one that goes above it.  Before, the redraw replaced the
    focused button and the focus fell to the page's body (upsertConversation's own keeping
    of it looked after the button was gone), so the next Tab started from the top."""
    me_ = "web_focuskeep"
    web.tok[me_] = token(add_user(web, me_, "Focuskeep Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "first", handle=me_)["message_group_uuid"]
    gb = send_rest(web, "web_bob", "from bob", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    wait(d, lambda d: conv_names(d) == ["Bob Web", "Alice Web"], 5, "the list")
    focused = "const a = document.activeElement; return a && a.dataset.group || a.tagName"
    d.execute_script("document.querySelector('#conversations button[data-group=\"%s\"]')"
                     ".focus()" % g)
    assert d.execute_script(focused) == g
    send_rest(web, "web_alice", "second", group=g)  # alice's goes to the top, redrawn
    wait(d, lambda d: conv_names(d) == ["Alice Web", "Bob Web"] and
         unread(d).get("Alice Web") == "2", 5, "alice's conversation redrawn")
    assert d.execute_script(focused) == g
    send_rest(web, "web_bob", "bob again", group=gb)  # bob's goes above it
    wait(d, lambda d: conv_names(d) == ["Bob Web", "Alice Web"], 5, "bob's on top")
    assert d.execute_script(focused) == g


def conv_heading(d):
    return d.execute_script("const t = document.getElementById('conv-title');"
                            "return [t.textContent, t.title]")


def metas(d):
    """The names under the open conversation's messages, oldest first."""
    return d.execute_script("return [...document.querySelectorAll('#messages li .meta bdi')]"
                            ".map(e => e.textContent)")


def test_the_other_persons_new_name_shows_without_a_reload(web, two):
    """The other person changes their display name (PUT /api/me) while bob has their
    conversation open: the list and the conversation's heading show the new name, from their
    next message, and from the listing the page asks for again when its stream comes back
    (the name changed while bob's network was gone); the messages keep the name they were
    sent under, as the server keeps them (a reload shows the same).  Before, the heading kept
    the old name until the conversation was opened again, and a listing without a newer
    message left the old name in the list."""
    a_, b_ = "web_ren_a", "web_ren_b"
    users(web, (a_, "Ren A"), (b_, "Ren B"))
    g = send_rest(web, a_, "under the first name", handle=b_)["message_group_uuid"]
    d = conv_page(web, two[1], b_, "Ren A", ["under the first name"], "the first message")
    assert conv_heading(d) == ["Ren A", "Ren A"]

    def rename(name):
        st, _, body = rest(web, "PUT", "/api/me", web.tok[a_], {"display_name": name})
        assert st == 200 and body["conversations_left"] == 0, body

    # renamed, then a message: it names the sender anew
    rename("Ren A Second")
    send_rest(web, a_, "under the second name", group=g)
    wait(d, lambda d: bubbles(d)[-1:] == ["under the second name"], 5, "the second message")
    wait(d, lambda d: conv_heading(d) == ["Ren A Second"] * 2 and
         conv_names(d) == ["Ren A Second"], 5, "the second name in the heading and list")
    assert metas(d) == ["Ren A", "Ren A Second"]
    # renamed while bob's network is gone, no message since: the listing says it once the
    # stream is back
    network(d, online=False)
    try:
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 2, "the stream dropped")
        rename("Ren A Third")
    finally:
        network(d, online=True)
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 5, "the stream back")
    wait(d, lambda d: conv_heading(d) == ["Ren A Third"] * 2 and
         conv_names(d) == ["Ren A Third"], 5, "the third name in the heading and list")
    assert metas(d) == ["Ren A", "Ren A Second"]
    assert d.execute_script("return document.activeElement.id") == "text"
    shot(d, "renamed")
    d.refresh()
    wait(d, lambda d: bubbles(d) == ["under the first name", "under the second name"], 10,
         "the conversation after a reload")
    assert conv_heading(d) == ["Ren A Third"] * 2 and metas(d) == ["Ren A", "Ren A Second"]


def test_a_rename_missed_reaches_the_heading_of_a_conversation_far_down(web, two):
    """The other people of two conversations below the listing's first page (21st and 22nd of
    22, the oldest one open) rename while the reader's network is gone: the rename event is
    not replayed, and the listing the page asked for again on reconnecting covered the first
    page only.  It now covers every conversation loaded, one request's 100 at a time (here
    lowered to 20: the 21st lies beyond the first request), and asks for the open
    conversation by its uuid too, so its heading and both list entries show the new names.
    Before, they kept the old names until a message came; before session 31 one loaded
    below the first request's 100 still did (the 21st here kept "Far Two")."""
    me_, far = "web_far_me", "web_far_old"
    web.tok[me_] = token(add_user(web, me_, "Far Me"), exp_in=3600)
    web.tok[far] = token(add_user(web, far, "Far Old"), exp_in=3600)
    send_rest(web, far, "from far down", handle=me_)
    web.tok["web_far_two"] = token(add_user(web, "web_far_two", "Far Two"), exp_in=3600)
    two_m = send_rest(web, "web_far_two", "from far two", handle=me_)
    # read: no badge (the listing again went down to the lowest badge only)
    st, _, r = rest(web, "PUT", f"/api/message_groups/{two_m['message_group_uuid']}/read",
                    web.tok[me_], {"read_to": two_m["created_at"]})
    assert st == 200, r
    for i in range(20):  # newer conversations: the far one is 21st
        h = f"web_far_n{i}"
        web.tok[h] = token(add_user(web, h, f"Far N{i}"), exp_in=3600)
        send_rest(web, h, f"newer {i}", handle=me_)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    wait(d, lambda d: len(conv_names(d)) >= 20, 10, "the first page of the list")
    for _ in range(3):  # scrolled down: the next page
        d.execute_script("const p = document.getElementById('list-pane');"
                         "p.scrollTop = p.scrollHeight")
        if "Far Old" in conv_names(d):
            break
        time.sleep(0.5)
    wait(d, lambda d: "Far Old" in conv_names(d), 10, "the 22nd conversation")
    open_conv(d, "Far Old")
    wait(d, lambda d: bubbles(d) == ["from far down"], 5, "its message")
    # one request's listing covers 20 (100 by default): the 21st needs a second request
    d.execute_script("document.getElementById('conversations').dataset.max = '20'")
    network(d, online=False)
    try:
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 5, "the stream dropped")
        for who, name in ((far, "Far New"), ("web_far_two", "Far Two New")):
            st, _, body = rest(web, "PUT", "/api/me", web.tok[who], {"display_name": name})
            assert st == 200 and body["conversations_left"] == 0, body
    finally:
        network(d, online=True)
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "the stream back")
    wait(d, lambda d: conv_heading(d) == ["Far New"] * 2, 5, "the new name in the heading")
    assert "Far New" in conv_names(d) and "Far Old" not in conv_names(d)
    # the other one below the first page, not open: the listing again covers what is loaded
    wait(d, lambda d: "Far Two New" in conv_names(d), 5, "the 21st conversation renamed")
    assert metas(d) == ["Far Old"]  # the message keeps the name it was sent under


# Drops the stream's "delete" events while window.__dropDeletes is true (a page that missed
# one: another tab's delete it did not hear), and counts window.confirm calls.
DELETE_SEAMS = r"""window.__dropDeletes = false; window.__confirms = 0;
window.confirm = () => { window.__confirms++; return true; };
const realAddListener = EventSource.prototype.addEventListener;
EventSource.prototype.addEventListener = function(type, f, o) {
  if (type !== 'delete') return realAddListener.call(this, type, f, o);
  return realAddListener.call(this, type, (ev) => { if (!window.__dropDeletes) f(ev); }, o);
};"""


def test_deleting_ones_own_message(web, two):
    """A user deletes a message they sent, by keyboard: their own messages have a "Delete"
    button (named after the message for a screen reader), the other person's none; it asks
    first in the message itself (a group "Delete this message for both of you?", the focus
    on its Cancel, so Enter at once keeps the message; Escape puts the focus back; no
    window.confirm), then the message vanishes
    from both people's pages at once (the stream's "delete" event; the other person's screen
    reader hears it), the focus in the composer.  Deleting the newest puts the message before it back as both lists' last line;
    one deleted already elsewhere (the page missed the event) goes quietly, no notice; the
    last one left keeps the conversation in both lists as "No messages" (before session 30 it
    left both, and the other person could not answer in it), and a reply continues it.
    Before, nothing on the page could take a sent message back."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    a_, b_ = "web_del_a", "web_del_b"
    users(web, (a_, "Del A"), (b_, "Del B"))
    g = send_rest(web, b_, "from b", handle=a_)["message_group_uuid"]
    for t in ("one", "two", "three"):
        send_rest(web, a_, t, group=g)
    alice, bob = fresh(two[0]), fresh(two[1], width=360, height=740)
    inject(alice, DELETE_SEAMS)
    sign_in_by_link(alice, web, a_)
    sign_in_by_link(bob, web, b_)
    open_conv(alice, "Del B")
    open_conv(bob, "Del A")
    for d in (alice, bob):
        wait(d, lambda d: bubbles(d) == ["from b", "one", "two", "three"], 5, "the messages")
    dels = lambda d: d.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('#messages li[data-uuid]')].map(li => "
        "[li.querySelector('.text').textContent, (li.querySelector('.del') || {}).textContent || '',"
        " li.querySelector('.del') ? li.querySelector('.del').getAttribute('aria-label') : '']"
        ").filter(x => x[1])")
    assert dels(alice) == [["one", "Delete", "Delete your message: one"],
                           ["two", "Delete", "Delete your message: two"],
                           ["three", "Delete", "Delete your message: three"]]
    # none on the other person's messages
    assert dels(bob) == [["from b", "Delete", "Delete your message: from b"]]
    active = "const a = document.activeElement; return [a.id, a.className, a.textContent]"

    def del_button(d, text):
        return d.execute_script(
            "return [...document.querySelectorAll('#messages li[data-uuid]')].find(li => "
            "li.querySelector('.text').textContent === arguments[0]).querySelector('.del')", text)

    back_tab = lambda d: ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.TAB) \
        .key_up(Keys.SHIFT).perform()  # noqa: E731
    # Delete, Escape: nothing deleted, the focus back on Delete
    del_button(alice, "two").send_keys(Keys.ENTER)
    wait(alice, lambda d: d.execute_script(active)[1] == "link no", 5, "the question, focused")
    ask = by_css(alice, "#messages .ask")[0]
    assert ask.get_attribute("role") == "group"
    assert ask.get_attribute("aria-label") == "Delete this message for both of you?"
    shot(alice, "delete-ask")
    alice.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(alice, lambda d: not by_css(d, "#messages .ask"), 5, "the question gone")
    assert alice.execute_script(active)[1:] == ["link del", "Delete"]
    assert bubbles(alice) == ["from b", "one", "two", "three"]
    # Delete, Enter: the question starts on Cancel, nothing deleted
    alice.switch_to.active_element.send_keys(Keys.ENTER)
    wait(alice, lambda d: d.execute_script(active)[1] == "link no", 5, "the question again")
    alice.switch_to.active_element.send_keys(Keys.ENTER)
    wait(alice, lambda d: not by_css(d, "#messages .ask"), 5, "the question gone by Cancel")
    assert alice.execute_script(active)[1:] == ["link del", "Delete"]
    assert bubbles(alice) == ["from b", "one", "two", "three"]
    # Delete, Shift+Tab to its Delete, Enter: gone from both pages, the focus in the composer
    alice.switch_to.active_element.send_keys(Keys.ENTER)
    wait(alice, lambda d: d.execute_script(active)[1] == "link no", 5, "the question again")
    back_tab(alice)
    assert alice.execute_script(active)[1:] == ["link yes", "Delete"]
    alice.switch_to.active_element.send_keys(Keys.ENTER)
    for d in (alice, bob):
        wait(d, lambda d: bubbles(d) == ["from b", "one", "three"], 5, "two deleted, live")
    # the other person's screen reader hears it (not the one who deleted it)
    said = "return [...document.querySelectorAll('#announce p')].map(p => p.textContent)"
    # that it was deleted, not what it said: its sender took it back
    assert "Del A deleted a message." in bob.execute_script(said)
    assert not any("deleted a message:" in t for t in bob.execute_script(said))
    assert not any("deleted" in t for t in alice.execute_script(said))
    wait(alice, lambda d: d.execute_script(active)[0] == "text", 5, "the focus in the composer")
    assert alice.execute_script("return window.__confirms") == 0
    st, _, ms = rest(web, "GET", f"/api/messages/{g}", web.tok[b_])
    assert [m["message"] for m in ms] == ["from b", "one", "three"], ms
    # the newest deleted: the lists' last line goes back to the one before it
    del_button(alice, "three").click()
    wait(alice, lambda d: by_css(d, "#messages .ask .yes"), 5, "the question")[0].click()
    for d in (alice, bob):
        wait(d, lambda d: bubbles(d) == ["from b", "one"], 5, "three deleted, live")
    last = "return [...document.querySelectorAll('#conversations .last')].map(e => e.textContent)"
    for d in (alice, bob):
        wait(d, lambda d: d.execute_script(last) == ["one"], 5, "the list's last line")
    shot(bob, "deleted-360")
    # deleted already elsewhere, the event missed: Delete goes quietly
    alice.execute_script("window.__dropDeletes = true")
    one_at = ms[1]["created_at"]
    st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{one_at}", web.tok[a_])
    assert st == 204
    wait(bob, lambda d: bubbles(d) == ["from b"], 5, "one deleted, live")
    time.sleep(0.5)
    assert bubbles(alice) == ["from b", "one"]
    del_button(alice, "one").click()
    wait(alice, lambda d: by_css(d, "#messages .ask .yes"), 5, "the question")[0].click()
    wait(alice, lambda d: bubbles(d) == ["from b"], 5, "gone quietly")
    wait(alice, lambda d: d.execute_script(last) == ["from b"], 5, "the list's last line")
    time.sleep(0.5)
    assert notice(alice) == ""
    alice.execute_script("window.__dropDeletes = false")
    # bob deletes his only message: no message left, the conversation stays in both lists,
    # "No messages" at its old time, open and empty where it was open; alice replies in it
    open_conv(bob, "Del A") if by_css(bob, "#conv[hidden]") else None
    b_del = del_button(bob, "from b")
    assert b_del.get_attribute("aria-label") == "Delete your message: from b"
    b_del.send_keys(Keys.ENTER)
    wait(bob, lambda d: d.execute_script(active)[1] == "link no", 5, "bob's question")
    back_tab(bob)
    bob.switch_to.active_element.send_keys(Keys.ENTER)
    for d in (alice, bob):
        wait(d, lambda d: bubbles(d) == [] and d.execute_script(last) == ["No messages"], 5,
             "the conversation kept, with no message")
    assert [n for n in conv_names(alice) if "Del" in n] == ["Del B"]
    assert [n for n in conv_names(bob) if "Del" in n] == ["Del A"]
    label = bob.execute_script("return document.querySelector('#conversations button')"
                               ".getAttribute('aria-label')")
    assert label == "Del A (@web_del_a): no messages", label
    shot(bob, "emptied-360")
    send_rest(web, a_, "still there?", group=g)  # the conversation goes on
    for d in (alice, bob):
        wait(d, lambda d: bubbles(d) == ["still there?"] and
             d.execute_script(last) == ["still there?"], 5, "the reply")
    assert notice(alice) == "" and notice(bob) == ""
    assert csp_violations(alice) == [] and csp_violations(bob) == []


def test_a_delete_label_cuts_by_graphemes(web, two):
    """A Delete's label quotes the message's first 40 characters as the reader sees them
    (graphemes) and says "…" only when something was cut: ten family emoji (70 code points,
    10 graphemes) are quoted whole with no "…"; 41 of them are cut to 40, whole, then "…".
    Before, the length was counted in code points and the cut made in graphemes, so the ten
    came back whole with "…" after them (r33b #4)."""
    a_, b_ = "web_delg_a", "web_delg_b"
    users(web, (a_, "Delg A"), (b_, "Delg B"))
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"
    g = send_rest(web, b_, "from b", handle=a_)["message_group_uuid"]
    for t in (family * 10, family * 41, "x" * 40, "y" * 41):
        send_rest(web, a_, t, group=g)
    alice = fresh(two[0])
    sign_in_by_link(alice, web, a_)
    open_conv(alice, "Delg B")
    wait(alice, lambda d: len(bubbles(d)) == 5, 5, "the messages")
    labels = alice.execute_script(
        "return [...document.querySelectorAll('#messages li[data-uuid] .del')]"
        ".map(b => b.getAttribute('aria-label'))")
    assert labels == ["Delete your message: " + family * 10,
                      "Delete your message: " + family * 40 + "…",
                      "Delete your message: " + "x" * 40,
                      "Delete your message: " + "y" * 40 + "…"], labels


def test_the_list_of_messages_is_one_tab_stop(web, two):
    """The list of messages is one Tab stop, however many of one's own messages (each with a
    Delete) and links it holds (WAI-ARIA's roving tabindex): Tab from the list goes straight
    to the composer.  ArrowUp from the list takes the newest message, ArrowUp and ArrowDown
    go from message to message, Home and End to the first and last; Tab from a message
    reaches its own link and Delete only, and the Delete key on one's own message asks, as
    its Delete button does, the focus on Cancel (Escape: the focus back on Delete).  Before
    session 31 every Delete and link was a Tab stop: 6 own messages, 7 presses from the list
    to the composer."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    a_, b_ = "web_rove_a", "web_rove_b"
    users(web, (a_, "Rove A"), (b_, "Rove B"))
    g = send_rest(web, b_, "see https://example.com/b", handle=a_)["message_group_uuid"]
    for i in range(5):
        send_rest(web, a_, f"mine {i}", group=g)
    send_rest(web, a_, "mine https://example.com/a", group=g)
    d = fresh(two[0])
    sign_in_by_link(d, web, a_)
    open_conv(d, "Rove B")
    wait(d, lambda d: len(bubbles(d)) == 7, 5, "the messages")
    keys = lambda *k: ActionChains(d).send_keys(*k).perform()  # noqa: E731
    active = lambda: d.execute_script(  # noqa: E731
        "const a = document.activeElement;"
        "const li = a.closest('#messages > li');"
        "return [a.id || a.tagName.toLowerCase() + (a.className ? '.' + a.className : ''),"
        " li ? li.querySelector('.text').textContent : null]")
    d.execute_script("document.getElementById('messages').focus()")
    keys(Keys.TAB)
    assert active() == ["text", None]  # the composer, in one press
    back_tab = lambda: ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.TAB) \
        .key_up(Keys.SHIFT).perform()  # noqa: E731
    back_tab()
    assert active() == ["messages", None]
    keys(Keys.ARROW_UP)  # the newest
    assert active() == ["li.mine", "mine https://example.com/a"]
    keys(Keys.TAB)  # its link, then its Delete, then the composer
    assert active() == ["a", "mine https://example.com/a"]
    keys(Keys.TAB)
    assert active() == ["button.link del", "mine https://example.com/a"]
    keys(Keys.TAB)
    assert active() == ["text", None]
    back_tab()
    assert active() == ["button.link del", "mine https://example.com/a"]
    d.execute_script("document.activeElement.closest('li').focus()")
    keys(Keys.ARROW_UP, Keys.ARROW_UP)
    assert active() == ["li.mine", "mine 3"]
    keys(Keys.HOME)
    assert active() == ["li", "see https://example.com/b"]  # the other person's
    keys(Keys.TAB)  # its link, no Delete; the others' controls are out of the order
    assert active() == ["a", "see https://example.com/b"]
    keys(Keys.TAB)
    assert active() == ["text", None]
    d.execute_script("document.querySelector('#messages li').focus()")
    keys(Keys.ARROW_DOWN)
    assert active() == ["li.mine", "mine 0"]
    # the Delete key asks; Escape: the focus on that message's Delete
    keys(Keys.DELETE)
    wait(d, lambda d: active() == ["button.link no", "mine 0"], 5, "the question")
    keys(Keys.ESCAPE)
    wait(d, lambda d: active() == ["button.link del", "mine 0"], 5, "back on Delete")
    assert bubbles(d)[1] == "mine 0"
    keys(Keys.END)  # not from a button: its own keys
    assert active() == ["button.link del", "mine 0"]
    tabbable = d.execute_script(
        "return [...document.querySelectorAll('#messages a, #messages button')]"
        ".filter(e => e.tabIndex >= 0).length")
    assert tabbable == 1, tabbable  # the current message's Delete only
    shot(d, "roving")


def test_a_clicked_message_is_not_deleted_by_keys(web, two):
    """A click on one's own message focuses it (its tabindex=-1), but no key deletes it from
    there: Backspace then Enter (meant for the composer) and the Delete key leave it, on the
    page and on the server.  The keyboard's path still deletes: ArrowUp to the message,
    Delete, the question on Cancel, Shift+Tab to its Delete, Enter.  Before, the click,
    Backspace (taken as Delete, the question's focus on its Delete) and Enter deleted the
    message for both people."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    a_, b_ = "web_clickdel_a", "web_clickdel_b"
    users(web, (a_, "Clickdel A"), (b_, "Clickdel B"))
    g = send_rest(web, b_, "from b", handle=a_)["message_group_uuid"]
    send_rest(web, a_, "my own words", group=g)
    d = fresh(two[0])
    sign_in_by_link(d, web, a_)
    open_conv(d, "Clickdel B")
    wait(d, lambda d: bubbles(d) == ["from b", "my own words"], 5, "the messages")
    keys = lambda *k: ActionChains(d).send_keys(*k).perform()  # noqa: E731
    active = lambda: d.execute_script(  # noqa: E731
        "const a = document.activeElement; return a.tagName.toLowerCase() + '.' + a.className")
    on_server = lambda: [m["message"] for m in  # noqa: E731
                         rest(web, "GET", f"/api/messages/{g}", web.tok[a_])[2]]
    mine = [li for li in by_css(d, "#messages > li") if "my own words" in li.text][0]
    ActionChains(d).move_to_element_with_offset(mine, 5, 5).click().perform()
    assert active() == "li.mine"  # the click focused it
    keys(Keys.BACKSPACE)
    time.sleep(0.3)
    assert not by_css(d, "#messages .ask") and active() == "li.mine"
    keys(Keys.ENTER)
    keys(Keys.DELETE)
    time.sleep(0.5)
    assert not by_css(d, "#messages .ask") and active() == "li.mine"
    keys(Keys.ENTER)
    time.sleep(1)
    assert bubbles(d) == ["from b", "my own words"]
    assert on_server() == ["from b", "my own words"]
    # by keys: from the list ArrowUp takes the newest, Delete asks, on Cancel
    d.execute_script("document.getElementById('messages').focus()")
    keys(Keys.ARROW_UP)
    assert active() == "li.mine"
    keys(Keys.DELETE)
    wait(d, lambda d: active() == "button.link no", 5, "the question, on Cancel")
    ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert active() == "button.link yes"
    keys(Keys.ENTER)
    wait(d, lambda d: bubbles(d) == ["from b"], 5, "deleted by keys")
    assert on_server() == ["from b"]


def test_a_deleted_unread_message_leaves_the_badge(web, two):
    """The other person deletes messages the reader has not read yet (the reader's list
    showing, no conversation open): the badge and the title's count go down with each, the
    list's last line goes back to the message before a deleted newest, and when none is left
    the conversation stays, "No messages", no badge.  Before, nothing on the page took a
    deletion in."""
    a_, b_ = "web_delbadge_a", "web_delbadge_b"
    users(web, (a_, "Delbadge A"), (b_, "Delbadge B"))
    d = fresh(two[1])
    sign_in_by_link(d, web, b_)
    ms = [send_rest(web, a_, "u1", handle=b_)]
    g = ms[0]["message_group_uuid"]
    ms += [send_rest(web, a_, t, group=g) for t in ("u2", "u3")]
    last = "return [...document.querySelectorAll('#conversations .last')].map(e => e.textContent)"
    wait(d, lambda d: unread(d) == {"Delbadge A": "3"} and d.title == "(3) ddbchat", 5,
         "three unread")

    def delete(m):
        st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{m['created_at']}", web.tok[a_])
        assert st == 204

    delete(ms[1])  # a middle one
    wait(d, lambda d: unread(d) == {"Delbadge A": "2"} and d.title == "(2) ddbchat", 5,
         "two unread")
    assert d.execute_script(last) == ["u3"]
    delete(ms[2])  # the newest
    wait(d, lambda d: unread(d) == {"Delbadge A": "1"} and d.title == "(1) ddbchat" and
         d.execute_script(last) == ["u1"], 5, "one unread, the last line back")
    delete(ms[0])  # none left
    wait(d, lambda d: unread(d) == {} and d.title == "ddbchat" and
         d.execute_script(last) == ["No messages"], 5, "kept, with no message")
    assert conv_names(d) == ["Delbadge A"]
    assert notice(d) == ""


def test_deletes_missed_while_away_show_on_reconnecting(web, two):
    """Messages deleted while the page's network was gone (the stream's "delete" event has no
    id and is not replayed): once the stream is back, the open conversation drops them (its
    newest page asked again) and the list's last line goes back to the message before the
    deleted newest (the conversation's item asked by its uuid when the listing says an older
    one).  Before, the page showed them until a reload."""
    a_, b_ = "web_delgap_a", "web_delgap_b"
    users(web, (a_, "Delgap A"), (b_, "Delgap B"))
    g = send_rest(web, b_, "b first", handle=a_)["message_group_uuid"]
    mid = send_rest(web, a_, "a middle", group=g)
    send_rest(web, a_, "a keeps", group=g)
    newest = send_rest(web, b_, "b newest", group=g)
    d = fresh(two[0])
    sign_in_by_link(d, web, a_)
    open_conv(d, "Delgap B")
    wait(d, lambda d: bubbles(d) == ["b first", "a middle", "a keeps", "b newest"], 5,
         "the messages")
    last = "return [...document.querySelectorAll('#conversations .last')].map(e => e.textContent)"
    assert d.execute_script(last) == ["b newest"]
    network(d, online=False)
    try:
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 5, "the stream dropped")
        for who, m in ((a_, mid), (b_, newest)):
            st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{m['created_at']}", web.tok[who])
            assert st == 204
    finally:
        network(d, online=True)
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "the stream back")
    wait(d, lambda d: bubbles(d) == ["b first", "a keeps"], 5, "the deleted ones gone")
    wait(d, lambda d: d.execute_script(last) == ["a keeps"], 5, "the list's last line")
    assert notice(d) == ""


def test_conversations_emptied_while_away_leave_on_reconnecting(web, two):
    """Both of the reader's newest conversations lose their only message while the page's
    network is gone (the "delete" events are not replayed): the open one (its newest page
    asked again: empty) and one not open with a badge (listed again at the same time with
    "message": "": an emptied conversation stays, 770c8aca).  Once the stream is back,
    neither deleted text is left on the page (bubbles, list, badge, title); an older
    conversation that keeps its message stays.  Before 19dbf888 both stayed with the deleted
    texts, the badge and "(1)" in the title until a reload; after 770c8aca the listed one
    kept its deleted text (a listing item at the same time changed only the name)."""
    r_, e_, f_, k_ = "web_empty_r", "web_empty_e", "web_empty_f", "web_empty_k"
    users(web, (r_, "Empty R"), (e_, "Empty E"), (f_, "Empty F"), (k_, "Empty K"))
    k = send_rest(web, k_, "k keeps", handle=r_)
    st, _, body = rest(web, "PUT", f"/api/message_groups/{k['message_group_uuid']}/read",
                       web.tok[r_], {"read_to": k["created_at"]})
    assert st == 200, body
    em = send_rest(web, e_, "E only (open)", handle=r_)
    fm = send_rest(web, f_, "F only (listed, unread)", handle=r_)
    d = conv_page(web, two[0], r_, "Empty E", ["E only (open)"], "the open conversation")
    wait(d, lambda d: unread(d) == {"Empty F": "1"} and d.title == "(1) ddbchat", 5,
         "F's badge")
    last = "return [...document.querySelectorAll('#conversations .last')].map(e => e.textContent)"
    network(d, online=False)
    try:
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 5, "the stream dropped")
        for who, m in ((e_, em), (f_, fm)):
            st, _, _ = rest(web, "DELETE",
                            f"/api/messages/{m['message_group_uuid']}/{m['created_at']}",
                            web.tok[who])
            assert st == 204
    finally:
        network(d, online=True)
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "the stream back")
    wait(d, lambda d: bubbles(d) == [] and d.execute_script(last)[-1:] == ["k keeps"] and
         not any("only" in t for t in d.execute_script(last)), 5, "the deleted texts gone")
    assert unread(d) == {} and d.title == "ddbchat"
    assert "Empty K" in conv_names(d)
    assert notice(d) == ""


# Holds the stream's "message" events while window.__holdMessages is true (window.__release()
# hands them on), counts "delete" events in window.__deletes: a message event the server's
# scan read before its delete committed reaches the page after that delete's event.
LATE_MESSAGE_SEAMS = r"""window.__holdMessages = false; window.__held = []; window.__deletes = 0;
window.__release = () => { window.__holdMessages = false;
  for (const [f, ev] of window.__held.splice(0)) f(ev); };
const lateAddListener = EventSource.prototype.addEventListener;
EventSource.prototype.addEventListener = function(type, f, o) {
  if (type === 'delete') {
    return lateAddListener.call(this, type, (ev) => { window.__deletes++; f(ev); }, o);
  }
  if (type !== 'message') return lateAddListener.call(this, type, f, o);
  return lateAddListener.call(this, type, (ev) => {
    if (window.__holdMessages) window.__held.push([f, ev]); else f(ev);
  }, o);
};"""


def test_a_message_heard_after_its_delete_is_not_shown(web, two):
    """The other person sends a message and deletes it at once; the stream hands the page
    the "delete" event first and the message after it (the hub's scan read the message
    before the delete committed).  The page does not draw it: not in the open conversation,
    not as the list's last line.  Before, it drew it and kept it until a reload."""
    a_, b_ = "web_late_a", "web_late_b"
    users(web, (a_, "Late A"), (b_, "Late B"))
    g = send_rest(web, a_, "before", handle=b_)["message_group_uuid"]
    d = conv_page(web, two[1], b_, "Late A", ["before"],
                  "the message", seams=(LATE_MESSAGE_SEAMS,))
    d.execute_script("window.__holdMessages = true")
    m = send_rest(web, a_, "taken back", group=g)
    wait(d, lambda d: d.execute_script("return window.__held.length") == 1, 5, "its event held")
    st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{m['created_at']}", web.tok[a_])
    assert st == 204
    wait(d, lambda d: d.execute_script("return window.__deletes") == 1, 5, "the delete heard")
    d.execute_script("window.__release()")
    last = "return [...document.querySelectorAll('#conversations .last')].map(e => e.textContent)"
    time.sleep(1)
    assert bubbles(d) == ["before"]
    assert d.execute_script(last) == ["before"]
    send_rest(web, a_, "after", group=g)  # the stream goes on
    wait(d, lambda d: bubbles(d) == ["before", "after"], 5, "the next message")


# Once window.__holdItem is set, the answer to GET /api/message_groups/<uuid> (the
# conversation's item the page asks for after a delete) is read, counted in
# window.__heldItems and handed to the page only at window.__releaseItem().
HELD_ITEM = r"""window.__holdItem = false; window.__heldItems = 0;
let itemGate = null;
window.__releaseItem = () => { window.__holdItem = false; if (itemGate) itemGate(); };
const itemFetch = window.fetch;
window.fetch = async (path, init) => {
  const hold = window.__holdItem && (!init || !init.method || init.method === 'GET') &&
    /^\/api\/message_groups\/[^/?]+$/.test(path);
  const r = await itemFetch(path, init);
  if (hold) {
    const gate = new Promise((res) => { itemGate = res; });
    window.__heldItems++;
    await gate;
  }
  return r;
};"""


def test_a_message_during_a_deletes_reload_stays_the_last_line(web, two):
    """The other person deletes their newest message and sends another while the reader's
    page is still waiting for the conversation's item it asked for after the delete (read
    before the new message): the new message stays the list's last line.  Before, the late
    answer put the message before the deleted one back as the last line, until the next
    message."""
    a_, b_ = "web_stale_a", "web_stale_b"
    users(web, (a_, "Stale A"), (b_, "Stale B"))
    g = send_rest(web, a_, "older", handle=b_)["message_group_uuid"]
    typo = send_rest(web, a_, "typo", group=g)
    d = fresh(two[1])
    inject(d, HELD_ITEM)
    sign_in_by_link(d, web, b_)
    last = "return [...document.querySelectorAll('#conversations .last')].map(e => e.textContent)"
    wait(d, lambda d: d.execute_script(last) == ["typo"], 5, "the list")
    d.execute_script("window.__holdItem = true")
    st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{typo['created_at']}", web.tok[a_])
    assert st == 204
    wait(d, lambda d: d.execute_script("return window.__heldItems") == 1, 5, "the item asked")
    send_rest(web, a_, "fixed", group=g)
    wait(d, lambda d: d.execute_script(last) == ["fixed"], 5, "the new message")
    d.execute_script("window.__releaseItem()")
    time.sleep(1)
    assert d.execute_script(last) == ["fixed"]
    assert unread(d) == {"Stale A": "2"}


def test_the_line_goes_with_the_unread_deleted(web, two):
    """The reader opens a conversation with two unread messages under the "New messages"
    line; the other person deletes both: the line goes with them.  Before, it stayed above
    nothing (and the next message, seen as it came, landed under it)."""
    c_, w_ = "web_linedel_c", "web_linedel_w"
    users(web, (c_, "Linedel C"), (w_, "Linedel W"))
    m0 = send_rest(web, w_, "read one", handle=c_)
    g = m0["message_group_uuid"]
    st, _, body = rest(web, "PUT", f"/api/message_groups/{g}/read", web.tok[c_],
                       {"read_to": m0["created_at"]})
    assert st == 200, body
    us = [send_rest(web, w_, t, group=g) for t in ("u1", "u2")]
    d = fresh(two[0])
    sign_in_by_link(d, web, c_)
    open_conv(d, "Linedel W")
    wait(d, lambda d: d.execute_script(ITEMS) ==
         ["read one", "--New messages--separator", "u1", "u2"], 5, "the line above the unread")
    for m in us:
        st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{m['created_at']}", web.tok[w_])
        assert st == 204
    wait(d, lambda d: bubbles(d) == ["read one"], 5, "both deleted")
    time.sleep(0.3)
    assert d.execute_script(ITEMS) == ["read one"]


# Once window.__loseSend is set, the next POST /api/messages reaches the server but the page
# gets a 500 for it (its answer lost); while window.__dropMessages is set the stream's
# "message" events are dropped (the stored copy's event missed as well).
SEND_ANSWER_LOST = r"""window.__loseSend = false; window.__dropMessages = false;
const lostFetch = window.fetch;
window.fetch = async (path, init) => {
  const lose = window.__loseSend && init && init.method === 'POST' && path === '/api/messages';
  const r = await lostFetch(path, init);
  if (!lose) return r;
  window.__loseSend = false;
  return new Response(JSON.stringify({ error: { code: 'storage', message: 'lost by the test' } }),
    { status: 500, headers: { 'Content-Type': 'application/json' } });
};
const lostAddListener = EventSource.prototype.addEventListener;
EventSource.prototype.addEventListener = function(type, f, o) {
  if (type !== 'message') return lostAddListener.call(this, type, f, o);
  return lostAddListener.call(this, type, (ev) => { if (!window.__dropMessages) f(ev); }, o);
};"""


def test_a_send_deleted_before_its_retry_leaves_the_outbox(web, two):
    """A message whose answer was lost ("Not sent", Retry) was stored, and its sender deleted
    it elsewhere meanwhile; Retry sends it with its Idempotency-Key and the server answers
    410 message_deleted: the page drops it from its outbox, quietly (it was taken back), and
    sends on.  Before, it stayed "Not sent" with the server's message, Retry failing again."""
    a_, b_ = "web_keydel_a", "web_keydel_b"
    users(web, (a_, "Keydel A"), (b_, "Keydel B"))
    g = send_rest(web, b_, "hello", handle=a_)["message_group_uuid"]
    d = conv_page(web, two[0], a_, "Keydel B", ["hello"], "the message", seams=(SEND_ANSWER_LOST,))
    d.execute_script("window.__loseSend = true; window.__dropMessages = true")
    type_and_enter(d, "oops")
    wait(d, lambda d: by_css(d, "#messages li.failed .retry"), 5, "Not sent, with Retry")
    st, _, ms = rest(web, "GET", f"/api/messages/{g}", web.tok[a_])
    assert st == 200 and [m["message"] for m in ms] == ["hello", "oops"], ms
    st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{ms[1]['created_at']}", web.tok[a_])
    assert st == 204
    d.execute_script("window.__dropMessages = false")
    by_css(d, "#messages li.failed .retry")[0].click()
    wait(d, lambda d: not by_css(d, "#messages li.pending"), 5, "out of the outbox")
    assert bubbles(d) == ["hello"]
    assert "deleted" not in notice(d)
    assert d.execute_script("return sessionStorage.getItem('ddbchat.outbox')") is None
    type_and_enter(d, "next one")  # sends on
    wait(d, lambda d: bubbles(d) == ["hello", "next one"] and
         not by_css(d, "#messages li.pending"), 5, "the next message sent")


def test_the_line_moves_to_what_came_unseen(web, two):
    """The "New messages" line follows the reading, as chat apps' does: the reader answers
    (their own message reads everything before it) and the line goes; the other person's
    messages arriving while the tab is hidden get the line above the first of them, where
    the reader coming back finds it (a third, seen as it comes, goes below it).  Before, the
    line stayed above the messages that were unread when the conversation was opened, read
    and answered since, and what came while the tab was hidden ran on from them with nothing
    between."""
    me_ = "web_line_moves"
    web.tok[me_] = token(add_user(web, me_, "Line Moves Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "a1", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    inject(d, READ_SEAMS)
    sign_in_by_link(d, web, me_)
    open_conv(d, "Alice Web")
    wait(d, lambda d: d.execute_script(ITEMS) == ["--New messages--separator", "a1"], 5,
         "the line above the unread")
    type_and_enter(d, "r1")
    wait(d, lambda d: d.execute_script(ITEMS) == ["a1", "r1"] and
         not by_css(d, "#messages li.pending"), 5, "answered: no line")
    wait(d, lambda d: listing(web, me_)["web_alice"][0] == 0, 5, "read on the server")
    d.execute_script("window.__hide()")
    for t in ("b1", "b2"):
        send_rest(web, "web_alice", t, group=g)
    want = ["a1", "r1", "--New messages--separator", "b1", "b2"]
    wait(d, lambda d: d.execute_script(ITEMS) == want and d.title == "(2) ddbchat", 5,
         "the line above what came while hidden")
    d.execute_script("window.__show()")
    wait(d, lambda d: d.title == "ddbchat", 5, "read once shown")
    send_rest(web, "web_alice", "c1", group=g)
    wait(d, lambda d: d.execute_script(ITEMS) == want + ["c1"], 5, "seen as it came: below")
    time.sleep(0.5)
    assert d.execute_script(ITEMS) == want + ["c1"]
    shot(d, "line-moved")


# Before the page's own script: once window.__noList is set, the page's listing requests
# (GET /api/message_groups, and one conversation's) fail as if the network dropped them, so
# what the page shows can come from its stream only.
NO_LISTING = r"""window.__noList = false;
const listFetch = window.fetch;
window.fetch = (path, init) => {
  if (window.__noList && (!init || !init.method || init.method === 'GET') &&
      /^\/api\/message_groups(\?|\/[^/]+$|$)/.test(path)) {
    return Promise.reject(new TypeError('the test keeps the listing away'));
  }
  return listFetch(path, init);
};"""


def test_a_rename_shows_at_once_in_every_tab(web, two):
    """The other person changes their display name (PUT /api/me) and says nothing more: the
    stream's "rename" event puts the new name in the list and in the open conversation's
    heading at once, in the tab holding the stream and in the one it passes events to
    (their listing requests kept away, so the name comes by the event alone); the messages
    keep the name they were sent under.  Before, an open page kept the old name until it
    loaded the listing again."""
    a_, b_ = "web_rl_a", "web_rl_b"
    users(web, (a_, "RL A"), (b_, "RL B"))
    send_rest(web, a_, "before the rename", handle=b_)
    d = fresh(two[1])
    home = d.current_window_handle
    tabs = []
    try:
        for _ in range(2):
            d.switch_to.new_window("tab")
            tabs.append(d.current_window_handle)
            inject(d, NO_LISTING)
            sign_in_by_link(d, web, b_)
            open_conv(d, "RL A")
            wait(d, lambda d: bubbles(d) == ["before the rename"], 5, "the message")
        for h in tabs:
            d.switch_to.window(h)
            d.execute_script("window.__noList = true")
        st, _, body = rest(web, "PUT", "/api/me", web.tok[a_], {"display_name": "RL A Renamed"})
        assert st == 200 and body["conversations_left"] == 0, body
        for h in (tabs[1], tabs[0]):  # the current one first: the other tab holds the stream
            d.switch_to.window(h)
            wait(d, lambda d: conv_heading(d) == ["RL A Renamed"] * 2 and
                 conv_names(d) == ["RL A Renamed"], 5, "the new name in the heading and list")
            assert metas(d) == ["RL A"]
            assert d.execute_script("return window.__noList") is True
        shot(d, "rename-live")
    finally:
        for h in tabs:
            d.switch_to.window(h)
            d.close()
        d.switch_to.window(home)


def test_changing_ones_own_name(web, two):
    """The page changes one's own display name: "Name" in the top bar (by keyboard: Enter)
    opens a form holding the name as it is, focused; a name the server refuses (only an
    invisible character) is said in its words and the form stays; Enter saves: the top bar
    says the new name, the refusal's notice goes, the focus is back on "Name", the server has it, the user's other tab
    says it too (the tabs' channel), and the other person's open page shows it at once in its
    list and heading (the stream's rename event); Escape closes the form.  Before, only the
    API (PUT /api/me) or `ddbchat user rename` could change it."""
    from selenium.webdriver.common.keys import Keys
    me_ = "web_selfname"
    web.tok[me_] = token(add_user(web, me_, "Self Name Web"), exp_in=3600)
    send_rest(web, "web_alice", "hello self", handle=me_)
    other = fresh(two[0])
    sign_in_by_link(other, web, "web_alice")
    open_conv(other, "Self Name Web")
    d = fresh(two[1])
    home = d.current_window_handle
    second = None
    active = "return document.activeElement.id"
    try:
        sign_in_by_link(d, web, me_)
        d.switch_to.new_window("tab")
        second = d.current_window_handle
        sign_in_by_link(d, web, me_)
        d.switch_to.window(home)
        by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
        wait(d, lambda d: d.execute_script(active) == "name-input", 5, "the form, focused")
        inp = by_css(d, "#name-input")[0]
        assert inp.get_attribute("value") == "Self Name Web"
        assert by_css(d, "#name-btn")[0].get_attribute("aria-expanded") == "true"
        # refused by the server: its words, the form stays as typed
        d.execute_script("arguments[0].value = '\\u200b'", inp)
        inp.send_keys(Keys.ENTER)
        text = wait(d, notice, 5, "the refusal")
        assert "display name" in text.lower(), text
        assert by_css(d, "#name-form:not([hidden])") and "Self Name Web" in by_css(d, "#me")[0].text
        d.execute_script("arguments[0].value = ''", inp)
        inp.send_keys("Self Renamed" + Keys.ENTER)
        wait(d, lambda d: by_css(d, "#name-form[hidden]") and
             "Self Renamed (@web_selfname)" in by_css(d, "#me")[0].text, 5, "the new name")
        assert d.execute_script(active) == "name-btn"
        assert by_css(d, "#name-btn")[0].get_attribute("aria-expanded") == "false"
        assert notice(d) == ""  # the refusal's notice went with the name saved
        st, _, me = rest(web, "GET", "/api/me", web.tok[me_])
        assert st == 200 and me["display_name"] == "Self Renamed", me
        shot(d, "own-name")
        wait(other, lambda o: conv_heading(o) == ["Self Renamed"] * 2 and
             conv_names(o)[:1] == ["Self Renamed"], 5, "the other person's page, at once")
        d.switch_to.window(second)
        wait(d, lambda d: "Self Renamed (@web_selfname)" in by_css(d, "#me")[0].text, 5,
             "the user's other tab")
        # Escape closes it, the focus back on "Name"
        by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
        wait(d, lambda d: d.execute_script(active) == "name-input", 5, "the form again")
        by_css(d, "#name-input")[0].send_keys(Keys.ESCAPE)
        wait(d, lambda d: by_css(d, "#name-form[hidden]"), 5, "closed by Escape")
        assert d.execute_script(active) == "name-btn"
        assert csp_violations(d) == []
    finally:
        if second:
            d.switch_to.window(second)
            d.close()
        d.switch_to.window(home)


def test_saving_ones_name_again_goes_on_with_the_rename(web, two):
    """A rename the server leaves unfinished (PUT /api/me answers conversations_left > 0 after
    the page's NAME_TRIES) says "save it again to go on": opening "Name" (it holds the new
    name) and saving it again sends PUT /api/me again, and the page waits the answer's
    Retry-After (the server's "stopped": 200 + Retry-After: 1) before its own next PUT; once
    none are left the notice goes.  Before, saving the same name closed the form with no
    request, so the other people kept the old name; and the 20 PUTs went back to back even
    when the server asked for a pause.  A fetch seam stands in for a server whose walk is cut
    short every time (a conversation that stays busy)."""
    from selenium.webdriver.common.keys import Keys
    me_ = "web_selfname3"
    web.tok[me_] = token(add_user(web, me_, "Again Name Web"), exp_in=3600)
    send_rest(web, "web_alice", "hello again", handle=me_)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    # Each PUT /api/me answer gets the next {left, ra} of window.__plan (default: 3 left,
    # no Retry-After); window.__puts holds when each PUT went out.
    d.execute_script("""
      window.__puts = [];
      window.__plan = [];
      const real = window.fetch;
      window.fetch = async function(url, init) {
        const r = await real.apply(this, arguments);
        if (!(init && init.method === 'PUT' && String(url).endsWith('/api/me'))) return r;
        window.__puts.push(performance.now());
        const p = window.__plan.shift() || { left: 3 };
        if (p.fail) return new Response('{"error":"unavailable"}', { status: 503 });
        const j = await r.clone().json();
        j.conversations_left = p.left;
        const h = new Headers(r.headers);
        if (p.ra) h.set('Retry-After', p.ra);
        return new Response(JSON.stringify(j), { status: r.status, headers: h });
      };""")
    puts = lambda d: d.execute_script("return window.__puts.length")  # noqa: E731
    by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
    inp = by_css(d, "#name-input")[0]
    d.execute_script("arguments[0].value = ''", inp)
    inp.send_keys("Again Renamed" + Keys.ENTER)
    text = wait(d, notice, 10, "the notice: conversations left")
    assert "3 of your conversations" in text and "save it again" in text, text
    assert puts(d) == 20
    # saving the same name again goes on: one answer asks for a pause, the next finishes
    d.execute_script("window.__plan = [{ left: 3, ra: '1' }, { left: 0 }]")
    by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
    inp = by_css(d, "#name-input")[0]
    assert inp.get_attribute("value") == "Again Renamed"
    inp.send_keys(Keys.ENTER)
    wait(d, lambda d: puts(d) == 22 and by_css(d, "#name-form[hidden]"), 10,
         "two more PUTs, the form closed")
    gap = d.execute_script("const p = window.__puts; return p[21] - p[20]")
    assert gap >= 950, f"the page did not wait the Retry-After: {gap:.0f} ms"
    assert notice(d) == ""  # nothing left: the notice went
    time.sleep(0.5)
    assert puts(d) == 22
    # with nothing left, saving the same name sends nothing
    by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
    by_css(d, "#name-input")[0].send_keys(Keys.ENTER)
    wait(d, lambda d: by_css(d, "#name-form[hidden]"), 5, "the form closed")
    time.sleep(0.5)
    assert puts(d) == 22
    st, _, me = rest(web, "GET", "/api/me", web.tok[me_])
    assert st == 200 and me["display_name"] == "Again Renamed", me
    # a repeat that fails after one that left conversations: saving the same name again still
    # goes on (read29c: the page kept what was left only once its loop ended, so the failed
    # repeat left nothing and the same name closed the form with no request)
    d.execute_script("window.__plan = [{ left: 3 }, { fail: true }]")
    by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
    inp = by_css(d, "#name-input")[0]
    d.execute_script("arguments[0].value = ''", inp)
    inp.send_keys("Again Renamed Two" + Keys.ENTER)
    wait(d, lambda d: puts(d) == 24, 10, "the rename's PUT, then its failed repeat")
    time.sleep(0.5)
    d.execute_script("window.__plan = [{ left: 0 }]")
    if by_css(d, "#name-form[hidden]"):
        by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
    inp = by_css(d, "#name-input")[0]
    d.execute_script("arguments[0].value = ''", inp)
    inp.send_keys("Again Renamed Two" + Keys.ENTER)
    wait(d, lambda d: puts(d) == 25, 10, "saving the same name again sends it")


def test_a_rename_left_unfinished_goes_on_after_a_reload(web, two):
    """A rename the server left unfinished (the user row has the new name and its resume mark,
    the other person's conversation the old name: what a server stopped mid-walk leaves, or a
    page reloaded before its repeats ended) is known to a page loaded afterwards: GET /api/me
    says rename_unfinished, the page says so, and saving the same name in "Name" sends PUT
    /api/me again, which renames what was left (the other person's listing shows the new
    name); the notice goes.  Before, only the tab that saved the rename knew: after a reload
    Save with the same name closed the form with no request."""
    from selenium.webdriver.common.keys import Keys
    from conftest import client_for
    me_ = "web_unfinished"
    uid = add_user(web, me_, "Unf Old")
    web.tok[me_] = token(uid, exp_in=3600)
    send_rest(web, "web_alice", "hello unfinished", handle=me_)
    # the rename's first write (the user row: the name and the mark "~", nothing renamed)
    # and no walk after it
    client_for(web.ddb_url).update_item(
        TableName="cruddur-messages", Key={"pk": {"S": f"USER#{uid}"}, "sk": {"S": "USER"}},
        UpdateExpression="SET display_name = :n, rename_before = :b",
        ExpressionAttributeValues={":n": {"S": "Unf New"}, ":b": {"S": "~"}})
    st, _, me = rest(web, "GET", "/api/me", web.tok[me_])
    assert st == 200 and me["rename_unfinished"] is True, me

    def alices_name():
        st, _, items = rest(web, "GET", "/api/message_groups", web.tok["web_alice"])
        assert st == 200, items
        return [it["display_name"] for it in items if it["handle"] == me_]

    assert alices_name() == ["Unf Old"]
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    text = wait(d, notice, 5, "the notice: the rename is not finished")
    assert "not finished" in text and "save it again" in text, text
    shot(d, "rename-unfinished")
    by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
    inp = by_css(d, "#name-input")[0]
    assert inp.get_attribute("value") == "Unf New"
    inp.send_keys(Keys.ENTER)
    wait(d, lambda d: by_css(d, "#name-form[hidden]") and notice(d) == "", 10,
         "the form closed and the notice gone")
    wait(d, lambda d: alices_name() == ["Unf New"], 5, "the other person's listing renamed")
    st, _, me = rest(web, "GET", "/api/me", web.tok[me_])
    assert me["rename_unfinished"] is False, me
    # finished: a reload says nothing more
    d.refresh()
    wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "signed in again")
    time.sleep(0.5)
    assert notice(d) == ""
    assert csp_violations(d) == []


def test_ones_new_name_reaches_ones_other_browser(web, two):
    """One user signed in in two separate browsers (not tabs: no channel between them)
    changes their name with "Name" in one: the other browser's top bar says the new name at
    once, by the stream's "rename" event with "you": true, without a reload; again through the
    API alone (PUT /api/me, as a phone would), both browsers follow.  Before, only the tabs of
    the browser that saved it did; the other browser said the old name until a reload."""
    from selenium.webdriver.common.keys import Keys
    me_ = "web_selfname2"
    web.tok[me_] = token(add_user(web, me_, "Two Browsers Web"), exp_in=3600)
    send_rest(web, "web_alice", "hello two", handle=me_)
    d, other = fresh(two[0]), fresh(two[1])
    mine = lambda d, n: f"{n} (@{me_})" in by_css(d, "#me")[0].text  # noqa: E731
    sign_in_by_link(d, web, me_)
    sign_in_by_link(other, web, me_)
    for b in (d, other):
        wait(b, lambda b: by_css(b, "#live[data-state=on]") and mine(b, "Two Browsers Web"),
             10, "signed in, the stream live")
    by_css(d, "#name-btn")[0].send_keys(Keys.ENTER)
    wait(d, lambda d: d.execute_script("return document.activeElement.id") == "name-input", 5,
         "the form, focused")
    inp = by_css(d, "#name-input")[0]
    d.execute_script("arguments[0].value = ''", inp)
    inp.send_keys("Two Browsers Renamed" + Keys.ENTER)
    wait(d, lambda d: mine(d, "Two Browsers Renamed"), 5, "the new name where it was saved")
    wait(other, lambda o: mine(o, "Two Browsers Renamed"), 5, "the new name in the other browser")
    shot(other, "own-name-other-browser")
    st, _, body = rest(web, "PUT", "/api/me", web.tok[me_], {"display_name": "Two Phones Web"})
    assert st == 200, body
    for b in (d, other):
        wait(b, lambda b: mine(b, "Two Phones Web"), 5, "a rename by the API, in both")
    assert csp_violations(other) == []


def test_a_reload_while_offline_keeps_the_page(web, two):
    """The browser offline, a message typed ("Not sent": it goes when the network is back),
    then a reload: the page comes from the copy its service worker kept (sw.js) and says it
    is offline and signs in by itself once the network is back, and the message goes, stored
    once.  Before, the reload showed the browser's own error page ("No internet"), and the
    message waited for the user to think of loading the page again."""
    me_ = "web_offreload"
    web.tok[me_] = token(add_user(web, me_, "Offreload Web"), exp_in=3600)
    g = send_rest(web, "web_alice", "before the reload", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    try:
        sign_in_by_link(d, web, me_)
        open_conv(d, "Alice Web")
        wait(d, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"), 10,
             "the page's service worker in control")
        network(d, online=False)
        wait(d, lambda d: not by_css(d, "#live[data-state=on]"), 5, "the stream dropped")
        type_and_enter(d, "typed offline, then reloaded")
        wait(d, lambda d: by_css(d, "#messages li.failed"), 5, "'Not sent'")
        d.refresh()
        err = wait(d, lambda d: by_css(d, "#signin:not([hidden]) #signin-error:not([hidden])"),
                   10, "the page, from its kept copy")[0].text
        assert "offline" in err.lower() and "trying again by itself" in err.lower() and \
            "message" in err.lower(), err
        network(d, online=True)
        wait(d, lambda d: by_css(d, "#app:not([hidden])") and
             bubbles(d) == ["before the reload", "typed offline, then reloaded"] and
             not by_css(d, "#messages li.pending"), 10, "signed in by itself, the message sent")
        st, _, page = rest(web, "GET", f"/api/messages/{g}", web.tok[me_])
        assert st == 200 and [m["message"] for m in page] == \
            ["before the reload", "typed offline, then reloaded"], page
        assert csp_violations(d) == []
    finally:
        network(d, online=True)


def test_api_requests_do_not_start_the_service_worker(web, two):
    """The page's service worker (sw.js) is there for its own files only: the API and
    the event stream skip it by the browser's static routing (InstallEvent.addRoutes), so a
    send after a pause (the browser stops an idle worker after ~30 s) does not wait for the
    worker to start.  Before, its fetch handler let /api/* through but the browser started
    the worker for each of them first: ~10 ms on the first request after a pause in headless
    Chromium (median of 8: 13.0 ms against 2.6 ms with the worker running; 3.7 ms with the
    routes).  A request for a page file still starts it (the offline reload's copy)."""
    me_ = "web_swroute"
    web.tok[me_] = token(add_user(web, me_, "SW Route Web"), exp_in=3600)
    d = fresh(two[1])
    sign_in_by_link(d, web, me_)
    wait(d, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"), 10,
         "the page's service worker in control")
    running = lambda d: any(t["type"] == "service_worker" for t in  # noqa: E731
                            d.execute_cdp_cmd("Target.getTargets", {})["targetInfos"])
    get = """const done = arguments[arguments.length - 1];
      fetch(arguments[0], { headers: { Authorization: 'Bearer ' + arguments[1] },
                            cache: 'no-store' }).then((r) => done(r.status), () => done(0));"""
    d.execute_cdp_cmd("ServiceWorker.enable", {})
    try:
        for path, starts in (("/api/me", False), ("/api/message_groups", False),
                             ("/app.css", True)):
            d.execute_cdp_cmd("ServiceWorker.stopAllWorkers", {})
            wait(d, lambda d: not running(d), 5, "the worker stopped")
            assert d.execute_async_script(get, path, web.tok[me_]) == 200
            time.sleep(0.3)
            assert running(d) == starts, f"{path}: the worker started: {running(d)}"
    finally:
        d.execute_cdp_cmd("ServiceWorker.disable", {})


# Before the page's own script: window.Notification replaced by one that records what would
# be shown (window.__notes: {title, body, tag}; the last made in window.__last) and counts the
# permission requests (window.__asked; the answer is window.__answer).  Its permission is the
# browser's (granted by CDP's Browser.grantPermissions) once a request answered, or the test
# set window.__perm.
NOTE_SEAMS = r"""window.__notes = []; window.__closed = []; window.__asked = 0; window.__answer = 'denied';
window.__perm = '';
const RealNotification = window.Notification;
window.Notification = class {
  constructor(title, o) { window.__notes.push({title, body: o.body, tag: o.tag}); window.__last = this; this.tag = o.tag; }
  close() { window.__closed.push(this.tag); }
  static get permission() { return window.__perm || RealNotification.permission; }
  static requestPermission() {
    window.__asked++; window.__perm = window.__answer; return Promise.resolve(window.__answer);
  }
};"""


def test_a_deleted_message_takes_its_notification_away(web, two):
    """The other person deletes the message a desktop notification shows (sent by mistake,
    taken back): the notification is closed, so its text does not stay on the reader's
    screen; deleting an older message of theirs leaves the notification of the newer one.
    Before, it stayed until the reader closed it."""
    me_, al = "web_ntd_me", "web_ntd_al"
    users(web, (me_, "NTD Me"), (al, "NTD Alice"))
    g = send_rest(web, al, "hello", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    try:
        inject(d, READ_SEAMS)
        inject(d, NOTE_SEAMS)
        sign_in_by_link(d, web, me_)
        d.execute_script("localStorage.setItem('ddbchat.notify', 'on'); window.__perm = 'granted'")
        d.execute_script("window.__hide()")
        older = send_rest(web, al, "older one", group=g)
        wait(d, lambda d: len(d.execute_script("return window.__notes")) == 1, 5, "a notification")
        oops = send_rest(web, al, "oops, wrong person", group=g)
        wait(d, lambda d: len(d.execute_script("return window.__notes")) == 2, 5, "the second")
        st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{older['created_at']}", web.tok[al])
        assert st == 204
        time.sleep(1)
        assert d.execute_script("return window.__closed") == []  # not the one shown
        st, _, _ = rest(web, "DELETE", f"/api/messages/{g}/{oops['created_at']}", web.tok[al])
        assert st == 204
        wait(d, lambda d: d.execute_script("return window.__closed") == [g], 5,
             "the notification closed")
    finally:
        d.execute_script("localStorage.removeItem('ddbchat.notify')")


def test_a_notification_title_isolates_the_senders_name(web, two):
    """A display name is the title of a desktop notification without its bidi controls
    (a right-to-left override U+202E, embeddings, isolates, marks) and isolated (U+2068
    FSI ... U+2069 PDI), so nothing in it reverses what the system shows after it (the site,
    the browser's name).  Before session 31 the title was the bare name and everything after
    it read backwards; then the isolate alone let a name holding a PDI (U+2069) and an
    override close it early, and the override ran on past the title."""
    me_, ev, ev2 = "web_ntb_me", "web_ntb_ev", "web_ntb_ev2"
    name = "Eve \u202eevil"
    name2 = "Eve \u2069\u202eevil \u2066\u202a\u202b\u202c\u202d\u2067\u200e\u200f\u061cend"
    users(web, (me_, "NTB Me"), (ev, name), (ev2, name2))
    g = send_rest(web, ev, "hello", handle=me_)["message_group_uuid"]
    g2 = send_rest(web, ev2, "hello", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    try:
        inject(d, READ_SEAMS)
        inject(d, NOTE_SEAMS)
        sign_in_by_link(d, web, me_)
        d.execute_script("localStorage.setItem('ddbchat.notify', 'on'); window.__perm = 'granted'")
        d.execute_script("window.__hide()")
        send_rest(web, ev, "\u202egniht emos", group=g)
        wait(d, lambda d: len(d.execute_script("return window.__notes")) == 1, 5, "a notification")
        assert d.execute_script("return window.__notes") == [
            {"title": "\u2068Eve evil\u2069", "body": "\u2068gniht emos\u2069", "tag": g}]
        send_rest(web, ev2, "from the other eve", group=g2)
        wait(d, lambda d: len(d.execute_script("return window.__notes")) == 2, 5, "the second")
        assert d.execute_script("return window.__notes")[1] == {
            "title": "\u2068Eve evil end\u2069", "body": "\u2068from the other eve\u2069", "tag": g2}
    finally:
        d.execute_script("localStorage.removeItem('ddbchat.notify')")


def test_a_notification_body_isolates_the_message(web, two):
    """A message is the body of a desktop notification as a name is its title: without its
    bidi controls (U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C) and isolated (U+2068 FSI
    ... U+2069 PDI), cut to 100 letters after the controls went, the ellipsis inside the
    isolate; right-to-left letters and emoji stay as they are (a message of controls alone
    is refused by the server as blank).  Before session 32 the body was the message as sent: a PDI then
    an override in it reversed what the system shows after the body."""
    me_, ev = "web_nbb_me", "web_nbb_ev"
    users(web, (me_, "NBB Me"), (ev, "NBB Eve"))
    g = send_rest(web, ev, "hello", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    notes = lambda: d.execute_script("return window.__notes.map((n) => n.body)")
    try:
        inject(d, READ_SEAMS)
        inject(d, NOTE_SEAMS)
        sign_in_by_link(d, web, me_)
        d.execute_script("localStorage.setItem('ddbchat.notify', 'on'); window.__perm = 'granted'")
        d.execute_script("window.__hide()")
        evil = "a \u2069\u202eevil \u2066\u202a\u202b\u202c\u202d\u2067\u200e\u200f\u061cend"
        rtl = "שלום עולם 👋🏽 مرحبا"
        controls = "\u200f" * 120 + "x" * 99 + "yz"  # 221 code points, 101 letters
        # the 99th letter a family of 5 code points (joined by U+200D), the 100th and 101st
        # an e with a combining acute and a flag (2 code points each): cut by grapheme, the
        # family whole before the ellipsis (r32b L7: by code point, its man alone)
        family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
        graphemes = "x" * 98 + family + "e\u0301" + "\U0001F1EB\U0001F1F7"
        for i, text in enumerate((evil, rtl, controls, graphemes)):
            send_rest(web, ev, text, group=g)
            wait(d, lambda d: len(notes()) == i + 1, 5, f"notification {i + 1}")
        assert notes() == ["\u2068a evil end\u2069", f"\u2068{rtl}\u2069",
                           "\u2068" + "x" * 99 + "…\u2069",
                           "\u2068" + "x" * 98 + family + "…\u2069"]
    finally:
        d.execute_script("localStorage.removeItem('ddbchat.notify')")


def test_a_closed_permission_prompt_is_asked_again(web, two):
    """The browser's permission prompt closed with no answer (its close button, Escape:
    requestPermission gives 'default') is no refusal: "Notify me" stays as it was, the page
    says the question went unanswered, and the next click asks again; a refusal after it is
    kept.  Before, a closed prompt was kept as a refusal and never asked again."""
    me_ = "web_nt_closed"
    web.tok[me_] = token(add_user(web, me_, "NT Closed"), exp_in=3600)
    d = fresh(two[1])
    btn = lambda d: d.execute_script(  # noqa: E731
        "const b = document.getElementById('notify-btn');"
        "return [b.textContent, b.getAttribute('aria-pressed'), window.__asked]")
    try:
        d.execute_cdp_cmd("Browser.resetPermissions", {})
        inject(d, NOTE_SEAMS)
        sign_in_by_link(d, web, me_)
        d.execute_script("localStorage.removeItem('ddbchat.notify')")
        d.refresh()
        wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "signed in again")
        d.execute_script("window.__answer = 'default'")
        by_css(d, "#notify-btn")[0].click()
        text = wait(d, notice, 5, "the question unanswered, said")
        assert "no answer" in text and "asks again" in text, text
        assert btn(d) == ["Notify me", "false", 1]
        assert d.execute_script("return localStorage.getItem('ddbchat.notify')") is None
        by_css(d, "#notify-btn")[0].click()
        wait(d, lambda d: btn(d)[2] == 2, 5, "asked again")
        d.execute_script("window.__answer = 'denied'")
        by_css(d, "#notify-btn")[0].click()
        wait(d, lambda d: btn(d) == ["Notify me: off", "false", 3], 5, "the refusal")
        by_css(d, "#notify-btn")[0].click()
        wait(d, lambda d: "refused" in notice(d), 5, "the refusal said")
        assert btn(d)[2] == 3
    finally:
        d.execute_script("localStorage.removeItem('ddbchat.notify')")
        d.execute_cdp_cmd("Browser.resetPermissions", {})


def test_notifications_of_messages_while_hidden(web, two):
    """A message from the other person that comes while no tab of the page is on screen is
    shown as one desktop notification, by one of the user's two tabs (the one holding the
    stream): title the sender's name, body the text cut to 100 characters, tag the
    conversation (a second one replaces the first); a click on it opens the conversation.
    None for one's own message, none while either tab is visible.  Permission is asked only
    from "Notify me" (never on load) and a refusal is kept: not asked again, also after a
    reload."""
    me_, al = "web_nt_me", "web_nt_al"
    users(web, (me_, "NT Me"), (al, "NT Alice"))
    g = send_rest(web, al, "hello", handle=me_)["message_group_uuid"]
    d = fresh(two[1])
    home = d.current_window_handle
    tabs = []
    btn = lambda d: d.execute_script(  # noqa: E731
        "const b = document.getElementById('notify-btn');"
        "return [b.textContent, b.getAttribute('aria-pressed'), window.__asked]")
    notes = lambda: [n for h in tabs for n in  # noqa: E731
                     (d.switch_to.window(h), d.execute_script("return window.__notes"))[1]]
    try:
        d.execute_cdp_cmd("Browser.resetPermissions", {})
        d.switch_to.new_window("tab")
        tabs.append(d.current_window_handle)
        inject(d, READ_SEAMS)
        inject(d, NOTE_SEAMS)
        sign_in_by_link(d, web, me_)
        d.execute_script("localStorage.removeItem('ddbchat.notify')")
        d.refresh()
        wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "signed in again")
        time.sleep(0.5)
        assert btn(d) == ["Notify me", "false", 0]  # not asked on load
        # refused: kept, not asked again, also after a reload
        by_css(d, "#notify-btn")[0].click()
        wait(d, lambda d: btn(d) == ["Notify me: off", "false", 1], 5, "the refusal")
        by_css(d, "#notify-btn")[0].click()
        wait(d, lambda d: "refused" in notice(d), 5, "the refusal said")
        assert btn(d)[2] == 1
        d.refresh()
        wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "signed in again")
        assert btn(d) == ["Notify me: off", "false", 0]
        by_css(d, "#notify-btn")[0].click()
        wait(d, lambda d: "refused" in notice(d), 5, "the refusal said again")
        assert btn(d)[2] == 0
        # allowed (the choice forgotten: as a new browser)
        d.execute_script("localStorage.removeItem('ddbchat.notify')")
        d.refresh()
        wait(d, lambda d: by_css(d, "#live[data-state=on]"), 10, "signed in again")
        assert btn(d) == ["Notify me", "false", 0]
        d.execute_script("window.__answer = 'granted'")
        by_css(d, "#notify-btn")[0].click()
        wait(d, lambda d: btn(d) == ["Notify me: on", "true", 1], 5, "notifications on")
        d.execute_cdp_cmd("Browser.grantPermissions",
                          {"origin": web.api_url, "permissions": ["notifications"]})
        # a second tab: the same browser's permission and choice
        d.switch_to.new_window("tab")
        tabs.append(d.current_window_handle)
        inject(d, READ_SEAMS)
        inject(d, NOTE_SEAMS)
        sign_in_by_link(d, web, me_)
        assert btn(d) == ["Notify me: on", "true", 0]
        for h in tabs:
            d.switch_to.window(h)
            d.execute_script("window.__hide()")
        send_rest(web, al, "while hidden", group=g)
        wait(d, lambda d: len(notes()) >= 1, 5, "a notification")
        time.sleep(1)
        assert notes() == [{"title": "\u2068NT Alice\u2069", "body": "\u2068while hidden\u2069",
                            "tag": g}]
        long = "x" * 60 + " " + "y" * 89
        send_rest(web, al, long, group=g)
        wait(d, lambda d: len(notes()) >= 2, 5, "the second notification")
        time.sleep(1)
        assert notes()[1:] == [{"title": "\u2068NT Alice\u2069",
                                "body": "\u2068" + long[:99] + "…\u2069", "tag": g}]
        # one's own message (sent from elsewhere): none
        send_rest(web, me_, "mine", group=g)
        time.sleep(1.5)
        assert len(notes()) == 2
        # either tab on screen: none
        for shown in tabs:
            d.switch_to.window(shown)
            d.execute_script("window.__show()")
            send_rest(web, al, f"seen in {shown}", group=g)
            for h in tabs:
                d.switch_to.window(h)
                wait(d, lambda d: f"seen in {shown}" in d.execute_script(
                    "return document.getElementById('conversations').textContent"), 5,
                    "the message in each tab")
            time.sleep(1)
            assert len(notes()) == 2
            d.switch_to.window(shown)
            d.execute_script("window.__hide()")
        # the click opens the conversation in the tab that showed it
        owner = [h for h in tabs if (d.switch_to.window(h),
                                     d.execute_script("return window.__notes.length"))[1]]
        assert len(owner) == 1
        d.switch_to.window(owner[0])
        assert by_css(d, "#conv[hidden]")
        d.execute_script("window.__last.onclick()")
        wait(d, lambda d: by_css(d, "#conv:not([hidden])") and
             by_css(d, "#conv-title")[0].text == "NT Alice", 5, "the conversation open")
        assert d.current_url.endswith("#c=" + g)
        assert csp_violations(d) == []
    finally:
        for h in tabs:
            d.switch_to.window(h)
            d.execute_script("localStorage.removeItem('ddbchat.notify')")
            d.close()
        d.switch_to.window(home)
        d.execute_cdp_cmd("Browser.resetPermissions", {})
