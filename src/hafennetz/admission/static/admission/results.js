// Results of an allocation run: two charts (needs met, persons per state: this run, the status
// quo and the key's target) and a map of placements (circle area = persons placed by the run,
// ring = the status quo). The tables on the page hold the same figures.
// Names are user-provided text: tooltips get DOM nodes with textContent, never HTML strings.
(function () {
  "use strict";
  const chartEl = document.getElementById("results-chart");
  if (!chartEl) { return; }
  const data = JSON.parse(chartEl.textContent);
  const points = JSON.parse(document.getElementById("results-map").textContent);
  const RUN = "#c0392b", QUOTA = "#1f5d8c", TARGET = "#9aa7b3";
  const base = { animation: false, maintainAspectRatio: false, responsive: true };

  const needsCanvas = document.getElementById("needs-chart");
  if (needsCanvas && window.Chart) {
    const datasets = [{ label: data.labels.run, data: data.needs.run, backgroundColor: RUN }];
    if (data.needs.quota.length) {
      datasets.push({ label: data.labels.quota, data: data.needs.quota, backgroundColor: QUOTA });
    }
    new Chart(needsCanvas, {
      type: "bar",
      data: { labels: data.needs.labels, datasets: datasets },
      options: Object.assign({}, base, {
        scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: data.labels.needs } } },
      }),
    });
  }
  const statesCanvas = document.getElementById("states-chart");
  if (statesCanvas && window.Chart) {
    const datasets = [{ label: data.labels.run, data: data.states.run, backgroundColor: RUN }];
    if (data.states.quota.length) {
      datasets.push({ label: data.labels.quota, data: data.states.quota, backgroundColor: QUOTA });
    }
    datasets.push({ label: data.labels.target, data: data.states.target, backgroundColor: TARGET });
    new Chart(statesCanvas, {
      type: "bar",
      data: { labels: data.states.labels, datasets: datasets },
      options: Object.assign({}, base, {
        indexAxis: "y",
        scales: { x: { beginAtZero: true, title: { display: true, text: data.labels.persons } } },
      }),
    });
  }

  const mapEl = document.getElementById("placement-map");
  if (!mapEl || !window.L) { return; }
  function textNode(text) {
    const span = document.createElement("span");
    span.textContent = String(text);
    return span;
  }
  const map = L.map(mapEl, { zoomSnap: 0.25 }).setView([51.2, 10.4], 5.5);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("© GeoBasis-DE / BKG (2021)");
  fetch(mapEl.dataset.boundaries, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((geojson) => {
      const layer = L.geoJSON(geojson, {
        style: { color: "#5b6b7a", weight: 1, fillColor: "#e8eef3", fillOpacity: 1 },
        interactive: false,
      }).addTo(map);
      layer.bringToBack();
      map.fitBounds(layer.getBounds());
    });
  const most = Math.max(1, ...points.map((p) => Math.max(p.persons, p.quota || 0)));
  function radius(n) { return 3 + 17 * Math.sqrt(n / most); }
  points.forEach((p) => {
    let text = p.name + ": " + p.persons + " " + data.labels.persons;
    if (p.quota !== null && p.quota !== undefined) {
      text += " (" + data.labels.quota + ": " + p.quota + ")";
    }
    if (p.quota) {
      L.circleMarker([p.lat, p.lon], {
        radius: radius(p.quota), color: QUOTA, weight: 2, fill: false, className: "quota-point",
      }).addTo(map).bindTooltip(textNode(text));
    }
    if (p.persons) {
      L.circleMarker([p.lat, p.lon], {
        radius: radius(p.persons), color: "#fff", weight: 1, fillColor: RUN, fillOpacity: 0.75,
        className: "placement-point",
      }).addTo(map).bindTooltip(textNode(text));
    }
  });
})();
