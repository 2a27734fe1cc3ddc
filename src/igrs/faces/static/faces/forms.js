// Progressive help for the filing form; every field works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("complaint-form");
  if (!form) return;

  // Category search: hide the options whose Hindi/English words do not contain the query.
  var box = document.getElementById("category-search-box");
  var search = document.getElementById("category-search");
  var category = document.getElementById("id_category_id");
  box.hidden = false;
  search.addEventListener("input", function () {
    var words = search.value.trim().toLowerCase().normalize("NFC").split(/\s+/);
    var first = null;
    Array.prototype.forEach.call(category.querySelectorAll("option[data-words]"), function (o) {
      var text = o.getAttribute("data-words").toLowerCase().normalize("NFC");
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      o.hidden = !match;
      o.disabled = !match;
      if (match && !first) first = o;
    });
    // Keep a choice that still matches; otherwise offer the best match already selected.
    var chosen = category.selectedOptions[0];
    if (first && (!chosen || chosen.disabled || !chosen.hasAttribute("data-words"))) {
      category.value = first.value;
    }
  });

  // District → its tehsils, blocks and police stations, and the posts serving it.
  var district = document.getElementById("id_district");
  function fill(select, rows, keep) {
    var firstOption = select.options[0];
    select.length = 1;
    firstOption.selected = true;
    rows.forEach(function (row) {
      var option = new Option(row[1], row[0]);
      if (String(row[0]) === keep) option.selected = true;
      select.add(option);
    });
  }
  district.addEventListener("change", function () {
    var place = document.getElementById("id_place_id");
    var against = document.getElementById("id_against_post_id");
    if (!district.value) { fill(place, [], ""); fill(against, [], ""); return; }
    fetch(district.getAttribute("data-places-url") + "?district=" + encodeURIComponent(district.value))
      .then(function (r) { return r.json(); })
      .then(function (data) {
        fill(place, data.places, place.value);
        fill(against, data.posts, against.value);
      });
  });
})();
