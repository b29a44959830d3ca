/* SPDX-License-Identifier: EUPL-1.2 */
/* Drawing the boundary of a custom area (Leaflet-Geoman, vendored). The drawn polygon is written as
   GeoJSON into the form's text field, which the server validates like an uploaded file; without a
   mouse, a GeoJSON polygon can be pasted into that field. One polygon at a time. */
(function () {
  "use strict";
  var element = document.getElementById("sm-draw-map");
  if (!element || !window.L) { return; }
  var field = document.getElementById(element.getAttribute("data-field"));
  var map = L.map(element, { zoomSnap: 0.25 });
  var basemap = element.getAttribute("data-basemap-url");
  if (basemap) {
    L.tileLayer(basemap, { maxZoom: 19, attribution: "Kaart: PDOK" }).addTo(map);
  }
  map.setView([52.37, 4.9], 12);
  var drawn = null;

  function write() {
    field.value = drawn ? JSON.stringify(drawn.toGeoJSON()) : "";
  }

  function keep(layer) {
    if (drawn && drawn !== layer) { map.removeLayer(drawn); }
    drawn = layer;
    layer.on("pm:edit", write);
    write();
  }

  if (map.pm) {
    map.pm.setLang("nl");
    map.pm.addControls({
      position: "topleft",
      drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false,
      drawText: false, drawRectangle: true, drawPolygon: true, cutPolygon: false,
      rotateMode: false, dragMode: false, editMode: true, removalMode: true
    });
    map.pm.setGlobalOptions({ allowSelfIntersection: false, snappable: false });
    // Geoman names its buttons only by a title on the surrounding element: give each button that name.
    element.querySelectorAll(".leaflet-buttons-control-button").forEach(function (button) {
      var holder = button.closest("[title]");
      if (holder) { button.setAttribute("aria-label", holder.getAttribute("title")); }
    });
    map.on("pm:create", function (event) { keep(event.layer); });
    map.on("pm:remove", function (event) {
      if (event.layer === drawn) { drawn = null; write(); }
    });
  }
  document.getElementById("sm-draw-clear").addEventListener("click", function () {
    if (drawn) { map.removeLayer(drawn); drawn = null; }
    write();
  });

  // A boundary sent back with an error (or pasted) is shown on the map.
  if (field.value.trim()) {
    try {
      var shown = L.geoJSON(JSON.parse(field.value), { style: { color: "#8b0000", weight: 2 } });
      var first = shown.getLayers()[0];
      if (first) { shown.addTo(map); drawn = first; map.fitBounds(shown.getBounds(), { padding: [20, 20] }); }
    } catch (error) { /* the server names what is wrong next to the field */ }
  }

  fetch(element.getAttribute("data-buurten-url"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (collection) {
      if (!collection.features || collection.features.length === 0) { return; }
      var buurten = L.geoJSON(collection, {
        pmIgnore: true,
        interactive: false,
        style: { color: "#555", weight: 0.6, fill: false }
      }).addTo(map);
      buurten.bringToBack();
      if (!drawn) { map.fitBounds(buurten.getBounds(), { padding: [8, 8] }); }
    })
    .catch(function () { /* drawing works without the buurten */ });
}());
