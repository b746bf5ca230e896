"""Accessibility as a test: axe-core (WCAG 2.1 A and AA) and a 44 px touch-target check on a page.

axe-core comes from the npm registry (pinned in package.json, installed by `npm ci`) and is
evaluated in the page by Playwright, so the check runs offline against the real page. Plain
module, no pytest: a browser test calls `violations(page)` / `small_targets(page)` and asserts the
lists are empty, so a failure names the rule and the elements.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.support.paths import REPO

AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.5.5 (AAA) asks 44 × 44 CSS px; a finger on a kiosk needs it, so we hold every page to it.
MIN_TARGET_PX = 44


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run `npm ci` in the repository")
    return AXE_SCRIPT.read_text(encoding="utf-8")


def violations(page: Any, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one line per rule and
    element ("rule: selector — summary"); an empty list when there are none."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the pages' CSP (script-src 'self') refuses inline
        # scripts, and a test must not loosen the policy it is checking the page under.
        page.evaluate(axe_source() + "\n;undefined")
    found = page.evaluate(
        """async ([tags, exclude]) => {
            const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
            const result = await axe.run(context, {runOnly: {type: 'tag', values: tags},
                                                   resultTypes: ['violations']});
            const why = (n) => (n.failureSummary || '').split('\\n')[1] || '';
            return result.violations.flatMap((v) => v.nodes.map((n) =>
                `${v.id}: ${n.target.join(' ')} — ${why(n) || v.help}`));
        }""",
        [WCAG_TAGS, list(exclude)],
    )
    return [str(line) for line in found]


def small_targets(page: Any, *, minimum: int = MIN_TARGET_PX, within: str = "body") -> list[str]:
    """Every visible link, button, input or [role=button] (inside `within`) smaller than
    `minimum` CSS px on either side, as "tag#id.class 52×16 'text'"; an empty list when every
    target is big enough."""
    found = page.evaluate(
        """([minimum, within]) => {
            const targets = document.querySelectorAll(within.split(',').map((w) =>
                ['a[href]', 'button', 'input:not([type=hidden])', 'select', 'textarea',
                 '[role=button]'].map((t) => w + ' ' + t).join(', ')).join(', '));
            const small = [];
            for (const t of targets) {
                const box = t.getBoundingClientRect();
                const style = getComputedStyle(t);
                if (!box.width || !box.height || style.visibility === 'hidden') continue;
                if (box.width + 0.5 < minimum || box.height + 0.5 < minimum) {
                    const name = t.tagName.toLowerCase() + (t.id ? '#' + t.id : '') +
                        (t.className && typeof t.className === 'string'
                            ? '.' + t.className.trim().split(/\\s+/).join('.') : '');
                    small.push(`${name} ${Math.round(box.width)}×${Math.round(box.height)} ` +
                               `'${(t.textContent || t.value || '').trim().slice(0, 30)}'`);
                }
            }
            return small;
        }""",
        [minimum, within],
    )
    return [str(line) for line in found]
