"""Browser tests: real `meent serve` processes driven by headless Chromium.

Each node runs from the debug binary in its own temporary data directory,
on its own loopback address (127.0.0.2, 127.0.0.3, …), configured as the
Swift multi-node tests configure theirs: open federation over loopback
(ALLOW_PRIVATE_NETWORK_PEERS) and a low bcrypt cost.
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build" / "debug" / "meent"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def free_port(host):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class Node:
    """One `meent serve` process; `admin` is the login it printed on first start."""

    def __init__(self, host, settings=None):
        if not BINARY.exists():
            pytest.fail(f"{BINARY} is missing: run `swift build` first")
        self.host = host
        self.port = free_port(host)
        self.authority = f"{host}:{self.port}"
        self.base = f"http://{self.authority}"
        self.data = Path(tempfile.mkdtemp(prefix="meent-browser-"))
        values = {
            "BCRYPT_COST": "4", "FEDERATION_MODE": "open", "ALLOW_PRIVATE_NETWORK_PEERS": "true",
            "NODE_NAME": f"Node {host}", "BASE_URL": self.base,
        }
        values.update(settings or {})
        arguments = [str(BINARY), "serve", "--data-dir", str(self.data), "--listen-host", host, "--listen-port", str(self.port)]
        for key, value in values.items():
            arguments += ["--set", f"{key}={value}"]
        self.log = open(self.data / "meent.log", "w+")
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.data,
                                        env={"PATH": "/usr/bin:/bin"})
        self.admin = self._wait_until_ready()

    def _output(self):
        self.log.flush()
        return (self.data / "meent.log").read_text()

    def _wait_until_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"meent exited with {self.process.returncode}:\n{self._output()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        output = self._output()
                        username = re.search(r"username:\s*(\S+)", output)
                        password = re.search(r"password:\s*(\S+)", output)
                        return (username.group(1), password.group(1)) if username and password else None
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"meent did not answer on {self.base}:\n{self._output()}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture(scope="session")
def node_a():
    node = Node("127.0.0.2", {"NODE_NAME": "Gemeente Aa"})
    yield node
    node.stop()


@pytest.fixture(scope="session")
def node_b():
    """A second node, Dutch by default. Today it checks languages and
    branding; the cross-node flow moves here with group federation (#5)."""
    node = Node("127.0.0.3", {"NODE_NAME": "Waterschap Bee", "DEFAULT_LANGUAGE": "nl"})
    yield node
    node.stop()


def chromium_driver():
    for path in ("/usr/bin/chromedriver", shutil.which("chromedriver") or ""):
        if path and os.path.exists(path):
            service = Service(executable_path=path)
            break
    else:
        pytest.fail("chromedriver is missing: scripts/install-test-tools.sh installs Debian's chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1100,900", "--lang=en-GB", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser_factory():
    """Opens independent browser sessions (each its own profile and cookies)."""
    drivers = []

    def make():
        driver = chromium_driver()
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.quit()


@pytest.fixture
def browser(browser_factory):
    return browser_factory()
