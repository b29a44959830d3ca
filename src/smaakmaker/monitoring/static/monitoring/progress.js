// SPDX-License-Identifier: EUPL-1.2
// Polls the progress of an effect evaluation and reloads the page when it is done.
(function () {
  "use strict";
  var box = document.getElementById("evaluation-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("evaluation-progress-bar");
  var step = document.getElementById("evaluation-progress-step");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var pct = Math.round(100 * data.progress);
        bar.value = pct;
        bar.textContent = pct + "%";
        if (step && data.step) { step.textContent = data.step; }
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 400);
})();
