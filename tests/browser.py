"""A real headless Chromium for the pages people look at (run reports, the dashboard).

Pages are loaded with ``chromium --headless --dump-dom`` (the DOM after the page's scripts
ran) and ``--screenshot``; the DOM is parsed into a small tree that tests query. Screenshots
are kept as test artifacts in ``$ZENML_TEST_ARTIFACTS`` (default ``test-artifacts/``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from zenml_core.testing.services import service_missing

ARTIFACTS = Path(
    os.environ.get("ZENML_TEST_ARTIFACTS") or Path(__file__).parents[1] / "test-artifacts"
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.text_parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.text_parts) + "".join(child.text for child in self.children)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(
        self, tag: str | None = None, css: str | None = None, **attrs: str
    ) -> list[Element]:
        """Descendants with this tag, class and attribute values (``data_step`` for
        ``data-step``)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.iter()
            if element is not self
            and (tag is None or element.tag == tag)
            and (css is None or css in element.classes())
            and all(element.attrs.get(name) == value for name, value in wanted.items())
        ]

    def find(self, tag: str | None = None, css: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, css, **attrs)
        assert found, f"no <{tag or '*'}> class={css} {attrs} in the page"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text_parts.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def chromium() -> str:
    found = (
        os.environ.get("ZENML_TEST_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        service_missing("no chromium on PATH; install it with scripts/services/chromium")
    return str(found)


def _run(*arguments: str, timeout: float = 90) -> str:
    with tempfile.TemporaryDirectory(prefix="zenml-chromium-") as profile:
        result = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", f"--user-data-dir={profile}", *arguments],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    assert result.returncode == 0, f"chromium failed: {result.stderr[-2000:]}"
    return result.stdout


def load(url: str, *, wait_ms: int = 0) -> Element:
    """The page's DOM after it loaded (and ``wait_ms`` more for its scripts or refreshes)."""
    budget = [f"--virtual-time-budget={wait_ms}"] if wait_ms else []
    return parse(_run("--dump-dom", *budget, url))


def screenshot(url: str, name: str, *, size: str = "1280,2000") -> Path:
    """A PNG of the page, kept under the test artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    _run("--hide-scrollbars", f"--window-size={size}", f"--screenshot={path}", url)
    assert path.read_bytes().startswith(b"\x89PNG"), f"no screenshot at {path}"
    return path


def chromedriver() -> str:
    found = os.environ.get("ZENML_TEST_CHROMEDRIVER") or shutil.which("chromedriver")
    if not found:
        service_missing("no chromedriver on PATH; install it with scripts/services/chromium")
    return str(found)


def webdriver():  # type: ignore[no-untyped-def]
    """A Selenium-driven headless Chromium (for pages that change while one looks at them),
    given the installed browser and driver: Selenium fetches nothing."""
    try:
        from selenium import webdriver as selenium
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        service_missing("selenium is not installed (pip install -e '.[test]')")
    options = Options()
    options.binary_location = chromium()
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1600"):  # fmt: skip
        options.add_argument(argument)
    return selenium.Chrome(service=Service(executable_path=chromedriver()), options=options)
