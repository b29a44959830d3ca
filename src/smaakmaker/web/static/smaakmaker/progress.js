// SPDX-License-Identifier: EUPL-1.2
// Background work with progress (scheduler runs, effect evaluations): polls the element's
// data-progress-url (JSON: progress 0..1, done, optional step), updates its <progress> bar and
// [data-progress-step] text, and reloads the page when the work is done.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var step = box.querySelector("[data-progress-step]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var pct = Math.round(100 * data.progress);
        if (bar) { bar.value = pct; bar.textContent = pct + "%"; }
        if (step && data.step) { step.textContent = data.step; }
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 400);
})();
