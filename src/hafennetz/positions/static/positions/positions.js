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

  // No zoom buttons and no keyboard focus: the map is a picture (role="img"); the table below is
  // its accessible alternative, so nothing focusable sits inside an image.
  const map = L.map(mapEl, { zoomSnap: 0.25, keyboard: false, zoomControl: false }).setView([51.2, 10.4], 5.5);
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
    // A tooltip, not a popup with a link: the member pages are linked from the table.
    marker.bindTooltip(textNode(p.name + " · " + p.state + (p.demo ? " · " + labels.demo : "")));
  });
})();
