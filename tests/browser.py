"""What every browser test of the console shares: Debian's Chromium under Playwright,
`shoot(page, name)` for the screenshots, and `check_accessible(page)`.

Screenshots go to `.screenshots/` (ignored by git), each page at phone and desktop
width. `python -m tests.browser` copies the two the README shows into `docs/`, reduced
to a palette so that each stays small.
"""

import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from tests.conftest import CHROMIUM

ROOT = Path(__file__).parent.parent
SHOTS = ROOT / ".screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
IN_README = ("book-phone", "cases-desktop")  # docs/console-<name>.png


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def shoot(page: Page, name: str) -> None:
    """The page as it is now, whole, at phone and at desktop width; the page's own
    viewport is given back, so a test goes on as it was."""
    SHOTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
    if before is not None:
        await page.set_viewport_size(before)


# ---- accessibility --------------------------------------------------------------------
# The palette's pairs (CSS variables of base.html): text 4.5:1 (WCAG 1.4.3), a focus ring
# or a field's border 3:1 against what surrounds it (WCAG 1.4.11)
PAIRS = (
    ("--ink", "--paper", 4.5),
    ("--brand", "--paper", 4.5),  # links
    ("--on-brand", "--brand", 4.5),  # the header, buttons
    ("--error", "--error-bg", 4.5),
    ("--ink", "--note-bg", 4.5),
    ("--brand", "--note-bg", 4.5),  # a link in a note (the slip's "In phiếu")
    ("--ink", "--error-bg", 4.5),
    ("--line", "--paper", 3.0),
    ("--focus", "--paper", 3.0),
    ("--focus-on-brand", "--brand", 3.0),
)

PAGE_PROBLEMS = """() => {
  const problems = [];
  if (document.documentElement.lang !== "vi") problems.push("html lang is not vi");
  const named = (el) => (el.labels && el.labels.length) || el.getAttribute("aria-label")
    || el.getAttribute("aria-labelledby") || el.getAttribute("title");
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!named(el)) problems.push("no label: " + el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (!(el.textContent.trim() || el.getAttribute("aria-label")))
      problems.push("no accessible name: " + el.outerHTML.slice(0, 80));
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("img without alt: " + img.src.slice(0, 80));
  }
  const rgb = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {c: p.slice(0, 3), a: p.length > 3 ? p[3] : 1};
  };
  const lum = (c) => c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
    : ((v + 0.055) / 1.055) ** 2.4; }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const b = rgb(getComputedStyle(e).backgroundColor);
      if (b && b.a > 0) return b.c;
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest("select")) continue;
    const style = getComputedStyle(el);
    const fg = rgb(style.color), bg = behind(el);
    const [hi, lo] = [lum(fg.c), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed)
      problems.push(`contrast ${ratio.toFixed(2)} < ${needed}: ${el.outerHTML.slice(0, 80)}`);
  }
  return problems;
}"""

FOCUS_RULE = """() => [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
  .some((rule) => (rule.selectorText || "") === ":focus-visible"
    && /outline:/.test(rule.style.cssText) && !/outline: *none/.test(rule.style.cssText))"""

FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return [el.tagName, style.outlineStyle, parseFloat(style.outlineWidth)];
}"""


def _hex(value: str) -> tuple[int, int, int]:
    text = value.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(2 * c for c in text)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", text), value
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two `#rrggbb` colours."""

    def luminance(colour: str) -> float:
        channels = [c / 255 for c in _hex(colour)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def check_accessible(page: Page) -> None:
    """`lang="vi"`, a label on every control, alt on every image, a name on every button
    and link, text contrast as drawn, the palette's contrast from its CSS variables, and
    a visible keyboard focus (a `:focus-visible` outline, seen after a Tab)."""
    problems: list[str] = await page.evaluate(PAGE_PROBLEMS)
    names = sorted({name for pair in PAIRS for name in pair[:2]})
    palette = await page.evaluate(
        "(names) => names.map((n) => getComputedStyle(document.documentElement)"
        ".getPropertyValue(n))",
        names,
    )
    colours = dict(zip(names, palette, strict=True))
    for fore, back, needed in PAIRS:
        ratio = contrast(colours[fore], colours[back])
        if ratio < needed:
            problems.append(f"{fore} on {back}: {ratio:.2f} < {needed}")
    if not await page.evaluate(FOCUS_RULE):
        problems.append("no :focus-visible outline rule")
    await page.keyboard.press("Tab")
    tag, outline, width = await page.evaluate(FOCUSED)
    await page.evaluate("document.activeElement.blur()")  # the page as it was found
    if tag == "BODY" or outline == "none" or width < 2:
        problems.append(f"keyboard focus not visible: {tag} {outline} {width}px")
    assert problems == [], f"{page.url}: {problems}"


def readme_images(target: Path = ROOT / "docs") -> list[Path]:
    """The README's two screenshots from `.screenshots/`, as palette PNGs (small)."""
    from PIL import Image

    target.mkdir(exist_ok=True)
    written = []
    for name in IN_README:
        with Image.open(SHOTS / f"{name}.png") as shot:
            small = shot.convert("RGB").quantize(colors=32, method=Image.Quantize.MEDIANCUT)
        path = target / f"console-{name}.png"
        small.save(path, optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in readme_images(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"):
        print(f"{path}: {path.stat().st_size // 1024} KB")
