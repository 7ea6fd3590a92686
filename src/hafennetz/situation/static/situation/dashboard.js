// Lagebild dashboard: choropleth of the mean strain per state and member points coloured by
// strain (Leaflet without tiles, offline), trend lines per topic (Chart.js), heatmap colours.
// Data comes from the json_script "situation-data". Everything a user typed (member names) is
// handed to Leaflet as DOM nodes with textContent, never as an HTML string: Leaflet renders
// string tooltips and popups as HTML.
(function () {
  "use strict";
  const source = document.getElementById("situation-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const STOPS = [[1, [46, 125, 50]], [2, [249, 168, 37]], [3, [239, 108, 0]], [4, [198, 40, 40]]];
  function colour(mean) {
    if (mean === null || mean === undefined) return "#e0e4e8";
    const m = Math.min(4, Math.max(1, mean));
    for (let i = 1; i < STOPS.length; i++) {
      const [x0, c0] = STOPS[i - 1];
      const [x1, c1] = STOPS[i];
      if (m <= x1) {
        const t = (m - x0) / (x1 - x0);
        const c = c0.map((a, k) => Math.round(a + (c1[k] - a) * t));
        return "rgb(" + c.join(",") + ")";
      }
    }
    return "rgb(198,40,40)";
  }
  function textNode(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span;
  }
  // Heatmap colours through the CSSOM (the Content-Security-Policy refuses style attributes).
  const COLOUR = /^#[0-9a-fA-F]{3,6}$/;
  document.querySelectorAll("td.strain-cell").forEach((cell) => {
    if (COLOUR.test(cell.dataset.bg || "")) cell.style.backgroundColor = cell.dataset.bg;
    if (COLOUR.test(cell.dataset.fg || "")) cell.style.color = cell.dataset.fg;
  });
  const mapEl = document.getElementById("situation-map");
  if (mapEl && window.L) {
    const map = L.map(mapEl, { zoomSnap: 0.25 }).setView([51.2, 10.4], 5.75);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("© GeoBasis-DE / BKG (2021)");
    fetch(mapEl.dataset.boundaries)
      .then((r) => r.json())
      .then((geojson) => {
        const layer = L.geoJSON(geojson, {
          style: (f) => ({
            color: "#5b6b7a", weight: 1, fillOpacity: 0.85,
            fillColor: colour(data.choropleth[f.properties.ags]),
          }),
          onEachFeature: (f, l) => {
            const mean = data.choropleth[f.properties.ags];
            const shown = mean === null || mean === undefined ? "–" : mean.toFixed(1);
            l.bindTooltip(textNode(String(f.properties.name) + ": " + shown), { sticky: true });
          },
        }).addTo(map);
        layer.bringToBack();
        map.fitBounds(layer.getBounds());
        mapEl.dataset.ready = "true";
      });
    data.points.forEach((p) => {
      if (p.lat === null) return;
      const marker = L.circleMarker([p.lat, p.lon], {
        radius: 5, color: "#fff", weight: 1, fillColor: colour(p.strain), fillOpacity: 1,
        className: "member-point",
      }).addTo(map);
      const link = document.createElement("a");
      link.href = data.report_url.replace("AGS", encodeURIComponent(p.ags));
      link.textContent = p.name + ": " + p.strain + " " + data.levels[String(p.strain)];
      marker.bindPopup(link);
      marker.bindTooltip(textNode(p.name));
    });
  }
  const chartEl = document.getElementById("trend-chart");
  if (chartEl && window.Chart) {
    const palette = ["#c0392b", "#1f5d8c", "#2e7d32", "#8e44ad", "#ef6c00", "#16a085", "#7f8c8d", "#d35400"];
    // Chart.js draws labels on the canvas as text (no HTML).
    new Chart(chartEl, {
      type: "line",
      data: {
        labels: (data.trend_labels || data.trend_rounds.map((n) => "#" + n)).map(String),
        datasets: data.trend.map((s, i) => ({
          label: String(s.topic), data: s.means, borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length], spanGaps: true, tension: 0.2,
        })),
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: { y: { min: 1, max: 4, ticks: { stepSize: 1 } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }
})();
