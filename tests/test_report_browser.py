"""The HTML report in a real browser: headless Chromium, driven over the DevTools protocol.

Why the DevTools protocol (CDP) and not ``--enable-logging=stderr``: the log
lines are meant for Chromium's developers, change between versions, mix the
page's console with the browser's own chatter, and never list the requests a
page makes. Over CDP the browser reports each request
(``Network.requestWillBeSent``), each console message
(``Runtime.consoleAPICalled``, ``Log.entryAdded``), each uncaught exception
(``Runtime.exceptionThrown``) and each ``alert()`` (``Page.javascriptDialogOpening``)
as a structured event, and takes the screenshot (``Page.captureScreenshot``)
in the same session, so one browser start serves every check.

Chromium is Debian's ``chromium`` package (scripts/system-deps.sh); nothing is
downloaded. The protocol runs over a WebSocket, spoken by the
``websocket-client`` package (a dev dependency). Neither is skipped when
missing: scripts/test.sh installs both, so a missing one fails the tests.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import websocket

import hiring_funnel as hf
from hiring_funnel.report import render_report

# Not a skip: scripts/test.sh installs chromium (scripts/system-deps.sh), so a
# missing browser is a broken set-up and must fail, not pass quietly.
CHROMIUM = (
    shutil.which("chromium")
    or shutil.which("chromium-browser")
    or "chromium (missing: run scripts/system-deps.sh)"
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
#: Flags that keep Chromium from calling home or downloading anything (components,
#: safe-browsing lists, sync, field trials), and that let it run as root in a container.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--mute-audio",
)
WIDTH, HEIGHT = 1200, 3000


class Browser:
    """One headless Chromium and a CDP session on one tab (flat sessions, Chromium >= 77)."""

    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="hf-chromium-"))
        self.process = subprocess.Popen(
            [
                CHROMIUM or "chromium",
                *FLAGS,
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # With port 0 Chromium picks a free port and writes it, and the browser's
        # WebSocket path, to DevToolsActivePort in the profile folder.
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (active.exists() and len(active.read_text().split()) >= 2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port, path = active.read_text().split()[:2]
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=60, suppress_origin=True
        )
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Network", "Runtime", "Log", "Page"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, keeping the events that arrive meanwhile."""
        msg_id = next(self.ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60.0) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            event = json.loads(self.ws.recv())
            self.events.append(event)
            if event.get("method") == method:
                return
        raise TimeoutError(method)

    def drain(self, seconds: float) -> None:
        """Keep listening a little: a late request or error would arrive now."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break

    def open(self, url: str) -> dict[str, Any]:
        """Load a page and return what happened: requests, console errors, dialogs, a screenshot."""
        self.events.clear()
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")
        self.drain(0.5)
        shot = self.call("Page.captureScreenshot", session=True, format="png")
        height = self.call(
            "Runtime.evaluate", session=True, expression="document.body.scrollHeight"
        )["result"]["value"]
        return {
            "requests": [
                e["params"]["request"]["url"]
                for e in self.events
                if e.get("method") == "Network.requestWillBeSent"
            ],
            "errors": [e for e in self.events if _is_error(e)],
            "dialogs": [
                e for e in self.events if e.get("method") == "Page.javascriptDialogOpening"
            ],
            "png": base64.b64decode(shot["data"]),
            "height": height,
        }

    def close(self) -> None:
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.process.terminate()  # the process this object started, by its handle
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def _is_error(event: dict[str, Any]) -> bool:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        return True
    if method == "Runtime.consoleAPICalled":
        return params.get("type") in ("error", "assert")
    if method == "Log.entryAdded":
        return params.get("entry", {}).get("level") == "error"
    return False


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    b = Browser()
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's report, and one whose segment labels are hostile."""
    folder = tmp_path_factory.mktemp("browser")
    log = hf.read_events(
        SAMPLE / "events.csv",
        attributes=SAMPLE / "attributes.csv",
        mapping=SAMPLE / "mapping.toml",
    )
    sim = hf.simulate(300, seed=5)
    attrs = sim.attributes.copy()
    attrs["industry"] = attrs["industry"].replace(
        # Segments published in this log (software is hidden: few of its candidates had
        # interviews, and a segment hidden on one clock is hidden on all).
        {"restaurants": "<img src=x onerror=alert(1)>", "finance": "<script>alert(2)</script>"}
    )
    hostile = hf.read_events(sim.events, attributes=attrs, as_of=sim.as_of)
    out = {}
    for name, one, by in (("sample", log, ["industry"]), ("hostile", hostile, ["industry"])):
        html, _ = render_report(one, by=by)
        out[name] = folder / f"{name}.html"
        out[name].write_text(html, encoding="utf-8")
    return out


def _not_blank(png: bytes) -> tuple[float, int]:
    """Share of pixels darker than light grey, and the number of distinct colours."""
    from PIL import Image  # Pillow comes with matplotlib

    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = np.asarray(image.resize((image.width // 4, image.height // 4))).reshape(-1, 3)
    inked = float((pixels.min(axis=1) < 200).mean())
    return inked, len(np.unique(pixels, axis=0))


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_report_opens_without_errors_or_requests(
    browser: Browser, pages: dict[str, Path], name: str, tmp_path: Path
) -> None:
    url = pages[name].as_uri()
    seen = browser.open(url)
    assert seen["errors"] == []
    assert seen["dialogs"] == []  # no alert() from a label ran
    # Every request is the page itself or an inline figure: nothing from any host.
    assert seen["requests"], "the browser reported no request at all: is Network enabled?"
    assert all(u.startswith(("file://", "data:")) for u in seen["requests"]), seen["requests"]
    assert url in seen["requests"]
    png = tmp_path / f"{name}.png"
    png.write_bytes(seen["png"])
    if os.environ.get("HF_KEEP_SCREENSHOTS"):
        shutil.copy(png, Path(os.environ["HF_KEEP_SCREENSHOTS"]) / png.name)
    inked, colours = _not_blank(seen["png"])
    assert seen["png"].startswith(b"\x89PNG")
    assert inked > 0.02 and colours > 50  # text and figures, not an empty white page
    assert seen["height"] > HEIGHT  # the report is longer than one screen


def test_hostile_labels_are_shown_as_text(browser: Browser, pages: dict[str, Path]) -> None:
    browser.open(pages["hostile"].as_uri())
    images = browser.call(
        "Runtime.evaluate",
        session=True,
        expression="Array.from(document.images).every(i => i.src.startsWith('data:image/svg'))",
    )["result"]["value"]
    scripts = browser.call("Runtime.evaluate", session=True, expression="document.scripts.length")[
        "result"
    ]["value"]
    text = browser.call("Runtime.evaluate", session=True, expression="document.body.innerText")[
        "result"
    ]["value"]
    assert images is True and scripts == 0
    assert "<img src=x onerror=alert(1)>" in text and "<script>alert(2)</script>" in text


def test_screenshot_from_the_command_line(pages: dict[str, Path], tmp_path: Path) -> None:
    """Chromium's own --screenshot, as a person would take it (no DevTools involved)."""
    shot = tmp_path / "shot.png"
    profile = tempfile.mkdtemp(prefix="hf-chromium-")
    try:
        subprocess.run(
            [
                CHROMIUM or "chromium",
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                f"--window-size={WIDTH},{HEIGHT}",
                pages["sample"].as_uri(),
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    inked, colours = _not_blank(shot.read_bytes())
    assert inked > 0.02 and colours > 50
