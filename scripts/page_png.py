#!/usr/bin/env python3
"""docs/page.png, the README's picture of the page, made again from the demo data.

Starts `ddbchat serve --demo` on a data dir of its own (free ports), opens the link it prints
in headless Chromium (Debian's chromium + chromium-driver, python3-selenium: what
tests/e2e/test_web.py uses) at 1000 x 500 CSS pixels, time zone UTC, opens the conversation
with Andrew Bayko (so Londo Mollari's shows its unread badge), types a draft and saves the
screenshot.  Usage: scripts/page_png.py [OUT.png]  (default docs/page.png; the binary is
$DDBCHAT_BIN or build/ddbchat).
"""
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        try:
            v = pred()
        except Exception:  # an element replaced while we looked
            v = None
        if v:
            return v
        time.sleep(0.05)
    raise SystemExit(f"page_png: timed out waiting for {what}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "page.png")
    binary = os.environ.get("DDBCHAT_BIN") or os.path.join(ROOT, "build", "ddbchat")
    data = tempfile.mkdtemp(prefix="ddbchat-page-")
    env = dict(os.environ, DDBCHAT_JWT_SECRET=secrets.token_hex(32))
    srv = subprocess.Popen([binary, "serve", "--demo", "--data-dir", data,
                            "--dynamodb-port", str(free_port()), "--api-port", str(free_port())],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    driver = None
    try:
        link = None
        for line in srv.stdout:
            if "open the page" in line:
                link = line.split(": ", 2)[-1].strip()
                break
        if not link:
            raise SystemExit("page_png: serve --demo printed no link")
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        opts = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--hide-scrollbars", "--lang=en-US", "--window-size=1000,500"):
            opts.add_argument(a)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "UTC"})
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1000, "height": 500, "deviceScaleFactor": 1,
                                "mobile": False})
        driver.get(link)
        css = lambda s: driver.find_elements(By.CSS_SELECTOR, s)  # noqa: E731
        wait_for(lambda: css("#live[data-state=on]"), 15, "the live stream")
        wait_for(lambda: len(css("#conversations .unread")) == 2, 5, "the unread badges")
        bayko = [b for b in css("#conversations button")
                 if b.find_element(By.CSS_SELECTOR, ".who").text == "Andrew Bayko"][0]
        bayko.click()
        wait_for(lambda: len(css("#conversations .unread")) == 1 and
                 css("#messages li .text")[-1].text == "Perfect. See you on the station.", 5,
                 "the conversation read")
        css("#text")[0].send_keys("Sounds good, see you at 8.")
        driver.execute_script("document.activeElement.blur()")  # no focus ring in the picture
        driver.save_screenshot(out)
        print(f"page_png: wrote {out}")
    finally:
        if driver:
            driver.quit()
        srv.terminate()
        srv.wait(10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
