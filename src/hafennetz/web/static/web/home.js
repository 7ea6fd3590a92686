// Landing page: state boundaries and member points on a Leaflet map without tiles (works
// offline), and the membership growth chart.
// Every name here is user-provided text: Leaflet renders a *string* tooltip or popup as HTML,
// so they always get DOM nodes whose text is set with textContent.
(function () {
  "use strict";
  const labels = JSON.parse(document.getElementById("home-labels").textContent);
  const points = JSON.parse(document.getElementById("member-points").textContent);
  const mapEl = document.getElementById("map");

  function textNode(text) {
    const span = document.createElement("span");
    span.textContent = String(text);
    return span;
  }

  const map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: true }).setView([51.2, 10.4], 5.75);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("© GeoBasis-DE / BKG (2021)");
  fetch(mapEl.dataset.boundaries, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((geojson) => {
      const layer = L.geoJSON(geojson, {
        style: { color: "#5b6b7a", weight: 1, fillColor: "#e8eef3", fillOpacity: 1 },
        onEachFeature: (f, l) => l.bindTooltip(textNode(f.properties.name), { sticky: true }),
      }).addTo(map);
      layer.bringToBack();
      map.fitBounds(layer.getBounds());
    });
  // Places pledged beyond the quota: one circle per member (area ~ places), an aggregate of the
  // member's own public offer. A layer of its own, switched on the map (the legend says so).
  const members = L.layerGroup().addTo(map);
  const pledgeLayer = L.layerGroup();
  const most = Math.max(1, ...points.map((p) => p.pledged || 0));
  points.filter((p) => p.pledged).forEach((p) => {
    L.circleMarker([p.lat, p.lon], {
      radius: 3 + 15 * Math.sqrt(p.pledged / most), color: "#1e6b34", weight: 1,
      fillColor: "#2e7d32", fillOpacity: 0.45, className: "pledge-point",
    }).addTo(pledgeLayer).bindTooltip(textNode(p.name + ": " + p.pledged + " " + labels.places));
  });
  const overlays = {};
  overlays[labels.member_layer] = members;
  if (points.some((p) => p.pledged)) {
    overlays[labels.pledge_layer] = pledgeLayer;
    pledgeLayer.addTo(map);
  }
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  points.forEach((p) => {
    const marker = L.circleMarker([p.lat, p.lon], {
      radius: 6, color: "#fff", weight: 1.5, fillColor: p.demo ? "#7d8fa3" : "#c0392b", fillOpacity: 0.95,
      className: "member-point",
    }).addTo(members);
    const link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.name;
    const box = document.createElement("div");
    box.appendChild(link);
    box.appendChild(document.createTextNode(" · " + p.state + (p.demo ? " · " + labels.demo : "")));
    marker.bindPopup(box);
    marker.bindTooltip(textNode(p.name));
  });
  const growth = JSON.parse(document.getElementById("growth-data").textContent);
  new Chart(document.getElementById("growth"), {
    type: "line",
    data: {
      labels: growth.map((g) => String(g[0])),
      datasets: [{ label: labels.members, data: growth.map((g) => g[1]), borderColor: "#c0392b",
                   backgroundColor: "rgba(192,57,43,0.15)", fill: true, stepped: true, pointRadius: 0 }],
    },
    // Chart.js draws labels and tooltips on the canvas: text, never HTML.
    options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  });
})();
