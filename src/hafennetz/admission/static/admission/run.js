// Live progress of an allocation run: polls the run's progress URL once a second and writes
// what it gets as text (never HTML). Reloads the page when the run has ended.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box || box.dataset.finished === "true") { return; }
  var url = box.dataset.url;
  var bar = document.getElementById("run-progress-bar");
  var text = document.getElementById("run-progress-text");
  function show(data) {
    bar.value = Math.round((data.fraction || 0) * 100);
    var parts = [data.status_label];
    if (data.phase && !data.finished) { parts.push(data.phase); }
    if (data.best !== null && data.best !== undefined) { parts.push((box.dataset.bestLabel || "best") + " " + Number(data.best).toFixed(1)); }
    if (data.bound !== null && data.bound !== undefined) { parts.push((box.dataset.boundLabel || "bound") + " " + Number(data.bound).toFixed(1)); }
    text.textContent = parts.join(" · ");
    if (data.finished) { window.location.reload(); }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } if (!data || !data.finished) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());
