// Match-search map: the candidate's area, the travel radius and the results.
// Data come from data-* attributes (no inline script: the CSP forbids it). Without a
// configured tile URL the map draws on the offline outline of the Netherlands.
(function () {
  "use strict";
  var STYLE = {
    match: { color: "#1b5e20", fillColor: "#2e7d32", label: "\u2713" },
    signal: { color: "#7a4d00", fillColor: "#b26a00", label: "!" },
    near_miss: { color: "#4a148c", fillColor: "#6a1b9a", label: "\u2248" }
  };

  function init() {
    var el = document.getElementById("search-map");
    if (!el || el.dataset.ready === "1" || typeof L === "undefined") { return; }
    el.dataset.ready = "1";
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    var radiusKm = parseFloat(el.dataset.radiusKm);
    // A view must exist before vector layers are added (they project on add).
    var map = L.map(el, { scrollWheelZoom: false, keyboard: true }).setView([lat, lon], 10);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: "" }).addTo(map);
    } else if (el.dataset.outlineUrl) {
      fetch(el.dataset.outlineUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data) {
            L.geoJSON(data, { style: { color: "#555", weight: 1, fillColor: "#e8eef2", fillOpacity: 1 } })
              .addTo(map).bringToBack();
          }
        })
        .catch(function () { /* the list remains the primary view */ });
    }
    var circle = L.circle([lat, lon], { radius: radiusKm * 1000, color: "#0d47a1", weight: 2, fillOpacity: 0.05 }).addTo(map);
    L.circleMarker([lat, lon], { radius: 6, color: "#0d47a1", fillOpacity: 1 })
      .bindTooltip(el.getAttribute("aria-label") ? "\u2302" : "").addTo(map);
    var markers = [];
    try { markers = JSON.parse(el.dataset.markers || "[]"); } catch (e) { markers = []; }
    markers.forEach(function (m) {
      var s = STYLE[m.section] || STYLE.match;
      L.circleMarker([m.lat, m.lon], { radius: 7, color: s.color, fillColor: s.fillColor, fillOpacity: 0.9, weight: 2 })
        .bindTooltip(s.label + " " + m.title + " (" + m.km + " km)")
        .on("click", function () {
          var target = document.getElementById(m.anchor);
          if (target) { target.scrollIntoView({ behavior: "smooth" }); }
        })
        .addTo(map);
    });
    map.fitBounds(circle.getBounds(), { padding: [10, 10] });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
