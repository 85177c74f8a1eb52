#!/usr/bin/env python3
"""Takes a screenshot of a tcplab page in headless Chromium (through chromedriver), after
running a bit of script in it (selecting a segment, scrolling to a ladder).

    python3 Docs/screenshot.py PAGE.html OUT.png "SCRIPT" WIDTH,HEIGHT
"""
import base64
import json
import subprocess
import sys
import time
import urllib.request

page, out, script, size = sys.argv[1:5]
port = 9777
driver = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
try:
    # chromedriver says when it listens.
    for line in driver.stdout:
        if b"started successfully" in line:
            break

    def call(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(request, timeout=60))

    options = {"binary": "/usr/bin/chromium",
               "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={size}"]}
    session = call("POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}})
    sid = session["value"]["sessionId"]
    call("POST", f"/session/{sid}/url", {"url": "file://" + page})
    call("POST", f"/session/{sid}/execute/sync", {"script": script, "args": []})
    time.sleep(0.3)  # One frame for the browser to paint the selection.
    png = call("GET", f"/session/{sid}/screenshot")["value"]
    with open(out, "wb") as file:
        file.write(base64.b64decode(png))
    call("DELETE", f"/session/{sid}")
finally:
    driver.terminate()
    driver.wait()
