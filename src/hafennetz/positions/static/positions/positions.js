// Map of the members that endorsed a position: state boundaries without tiles (works offline)
// and one point per member. Names are user-provided text: always set with textContent.
// The table beside the map lists the same members (the accessible alternative).
(function () {
  "use strict";
  const mapEl = document.getElementById("endorsement-map");
  if (!mapEl || typeof L === "undefined") return;
  const points = JSON.parse(document.getElementById("endorsement-points").textContent);
  const labels = JSON.parse(document.getElementById("position-labels").textContent);

  function textNode(text) {
    const span = document.createElement("span");
    span.textContent = String(text);
    return span;
  }

  const map = L.map(mapEl, { zoomSnap: 0.25, keyboard: false }).setView([51.2, 10.4], 5.5);
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
  points.forEach((p) => {
    const marker = L.circleMarker([p.lat, p.lon], {
      radius: 6, color: "#fff", weight: 1.5, fillColor: p.demo ? "#7d8fa3" : "#1f5d8c",
      fillOpacity: 0.95, className: "endorsement-point",
    }).addTo(map);
    const link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.name;
    const box = document.createElement("div");
    box.appendChild(link);
    box.appendChild(document.createTextNode(" · " + p.state + (p.demo ? " · " + labels.demo : "")));
    marker.bindPopup(box);
    marker.bindTooltip(textNode(p.name));
  });
})();
