/* SPDX-License-Identifier: EUPL-1.2 */
/* Choropleth of the wijkscan. No tiles unless a basemap URL is configured; the table below the map
   holds the same data for keyboard and screen-reader users. */
(function () {
  "use strict";
  var element = document.getElementById("sm-map");
  if (!element || !window.L) { return; }
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
  var basemap = element.getAttribute("data-basemap-url");
  if (basemap) {
    L.tileLayer(basemap, { maxZoom: 19, attribution: "Kaart: PDOK" }).addTo(map);
  }
  map.attributionControl.addAttribution("Bron: CBS");
  fetch(element.getAttribute("data-geojson-url"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (collection) {
      if (!collection.features || collection.features.length === 0) {
        element.classList.add("sm-map--empty");
        element.textContent = element.getAttribute("data-empty-text") || "Geen grenzen beschikbaar voor deze selectie; zie de tabel.";
        return;
      }
      var layer = L.geoJSON(collection, {
        style: function (feature) {
          return { color: "#333", weight: 0.7, fillColor: feature.properties.colour, fillOpacity: 0.8 };
        },
        onEachFeature: function (feature, shape) {
          var p = feature.properties;
          var label = p.name + " (" + p.code + "): score " + p.score_text + (p.band ? ", band " + p.band : "");
          shape.bindTooltip(label, { sticky: true });
          shape.on("click", function () { window.location.href = p.url; });
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    })
    .catch(function () {
      element.textContent = "De kaart kon niet worden geladen; de tabel hieronder bevat dezelfde gegevens.";
    });
}());
