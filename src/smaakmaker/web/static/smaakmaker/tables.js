// SPDX-License-Identifier: EUPL-1.2
// Wide tables scroll inside their own box (issue 16, point 8). A box that scrolls gets a keyboard stop
// (tabindex 0) and a name (role region, labelled by the table's caption or the heading above it), so
// that it can be scrolled with the arrow keys (WCAG 2.1.1; axe: scrollable-region-focusable). A box that
// fits gets neither: no extra tab stop where there is nothing to scroll. Checked again when the window
// changes size. Without script the boxes still scroll by touch and mouse.
(function () {
  "use strict";
  var SELECTOR = ".utrecht-table-container, .sm-table-scroll";
  var fallback = document.documentElement.getAttribute("data-sm-table-label") || "Tabel";
  var counter = 0;

  function labelFor(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      if (!caption.id) { counter += 1; caption.id = "sm-table-caption-" + counter; }
      return { labelledby: caption.id };
    }
    var node = box.previousElementSibling;
    while (node && !/^H[1-6]$/.test(node.tagName)) { node = node.previousElementSibling; }
    if (node && node.textContent.trim()) { return { label: node.textContent.trim() }; }
    return { label: fallback };
  }

  function mark() {
    var boxes = document.querySelectorAll(SELECTOR);
    for (var i = 0; i < boxes.length; i += 1) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("data-sm-scrolls")) {
        var name = labelFor(box);
        box.setAttribute("data-sm-scrolls", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (name.labelledby) { box.setAttribute("aria-labelledby", name.labelledby); }
        else { box.setAttribute("aria-label", name.label); }
      } else if (!scrolls && box.hasAttribute("data-sm-scrolls")) {
        ["data-sm-scrolls", "tabindex", "role", "aria-labelledby", "aria-label"].forEach(function (a) {
          box.removeAttribute(a);
        });
      }
    }
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(mark, 150);
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mark); }
  else { mark(); }
})();
