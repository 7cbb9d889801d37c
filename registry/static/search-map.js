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

  // A marker opens its row in the list: scroll to it, mark it and load its explanation.
  function openRow(anchor) {
    var row = document.getElementById(anchor);
    if (!row) { return; }
    document.querySelectorAll("tr.hit.is-current").forEach(function (r) { r.classList.remove("is-current"); });
    row.classList.add("is-current");
    row.scrollIntoView({ behavior: "smooth", block: "center" });
    var link = row.querySelector("th a");
    if (link) {
      link.focus({ preventScroll: true });
      var target = document.getElementById(anchor.replace("place-", "why-"));
      if (target && !target.hasChildNodes()) { link.click(); }
    }
  }

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
      if (el.dataset.townsUrl) {
        fetch(el.dataset.townsUrl, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) { return; }
            data.features.forEach(function (f) {
              var c = f.geometry.coordinates;
              L.marker([c[1], c[0]], { interactive: false, keyboard: false,
                icon: L.divIcon({ className: "map-town", html: f.properties.name, iconSize: null }) }).addTo(map);
            });
          })
          .catch(function () { /* names are a help, not a need */ });
      }
    }
    var circle = L.circle([lat, lon], { radius: radiusKm * 1000, color: "#0d47a1", weight: 2, fillOpacity: 0.05 }).addTo(map);
    L.circleMarker([lat, lon], { radius: 6, color: "#0d47a1", fillOpacity: 1 })
      .bindTooltip(el.getAttribute("aria-label") ? "\u2302" : "").addTo(map);
    var markers = [];
    try { markers = JSON.parse(el.dataset.markers || "[]"); } catch (e) { markers = []; }
    // Near misses first, matches last: a match is drawn above a near miss it overlaps.
    var LAYER = { near_miss: 0, signal: 1, match: 2 };
    markers = markers.map(function (m) {
      return { lat: m.a, lon: m.o, title: m.t, section: m.s, km: m.k, anchor: "place-" + m.i };
    });
    markers.sort(function (a, b) { return (LAYER[a.section] || 0) - (LAYER[b.section] || 0); });
    markers.forEach(function (m) {
      var s = STYLE[m.section] || STYLE.match;
      var icon = L.divIcon({
        className: "",
        html: '<div class="map-marker map-marker-' + m.section + '"><span aria-hidden="true">' + s.label + "</span></div>",
        iconSize: [22, 22], iconAnchor: [11, 11]
      });
      L.marker([m.lat, m.lon], { icon: icon, title: s.label + " " + m.title + " (" + m.km + ")",
                                 zIndexOffset: 1000 * (LAYER[m.section] || 0), keyboard: true })
        .bindTooltip(s.label + " " + m.title + " (" + m.km + ")")
        .on("click", function () { openRow(m.anchor); })
        .addTo(map);
    });
    map.fitBounds(circle.getBounds(), { padding: [10, 10] });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
