// Progressive help for forms; every field works without it (plain selects): a search box
// above a long select (input[data-search] naming the select), and on the complaint form the
// place picker following the category and the district.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The sound key of what is typed in Latin letters, as core/text.py's sound_key makes it
  // for every name: "haidargarh" and "Haidergarh" both give "hdrgr", as हैदरगढ़ does.
  function soundKey(text) {
    var t = text.normalize("NFC").toLowerCase().replace(/[^a-z]/g, "");
    [["ph", "f"], ["ck", "k"], ["q", "k"], ["x", "ks"], ["z", "j"], ["w", "v"]].forEach(
      function (rule) { t = t.split(rule[0]).join(rule[1]); });
    t = t.replace(/c(?!h)/g, "k").replace(/([bcdgjkprst])h/g, "$1");
    t = t.replace(/y(?![aeiou])/g, "").replace(/[aeiou]/g, "");
    return t.replace(/m(?=[pbf])/g, "n").replace(/(.)\1+/g, "$1");
  }
  // How well an option's words match what is typed: 2 as written, 1 by sound, 0 not at all.
  function matches(words, query) {
    return query.reduce(function (worst, word) {
      if (words.indexOf(word) !== -1) return worst;
      var key = /[a-z]/.test(word) ? soundKey(word) : "";
      return key.length > 1 && words.indexOf(key) !== -1 ? Math.min(worst, 1) : 0;
    }, 2);
  }

  // Each select with a search box: the options whose words do not match are hidden, and the
  // best match is chosen unless the present choice still matches. Enter takes it and moves to
  // the list (the console's keyboard users rely on that).
  var kindOf = {};  // select id → the kinds of place it may offer now (the category decides)
  function refilter(select) {
    var box = document.querySelector("[data-search='" + select.id + "']");
    var query = box ? box.value.trim().toLowerCase().normalize("NFC").split(/\s+/) : [""];
    var kinds = kindOf[select.id];
    var first = null, firstScore = 0;  // the best match: one as written before one by sound
    Array.prototype.forEach.call(select.querySelectorAll("option[data-words]"), function (o) {
      var kindOk = !kinds || kinds.indexOf(o.getAttribute("data-kind")) !== -1;
      var score = kindOk ? matches(o.getAttribute("data-words").toLowerCase().normalize("NFC"), query) : 0;
      o.hidden = o.disabled = !score;
      if (score > firstScore) { first = o; firstScore = score; }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    var chosen = select.selectedOptions[0];
    var typed = box && box.value.trim();
    if (chosen && chosen.disabled) select.value = "";
    if (first && typed && (!select.value || select.selectedOptions[0].disabled)) {
      select.value = first.value;
      select.dispatchEvent(new Event("change"));
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-search]"), function (box) {
    var select = document.getElementById(box.getAttribute("data-search"));
    box.closest(".search-box").hidden = false;
    box.addEventListener("input", function () { refilter(select); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        select.focus();
      }
    });
  });

  var form = document.getElementById("complaint-form");
  if (!form) return;

  // The category decides the kind of place: a block for rural development, a thana for the
  // police, any place (or the whole district) for "other / not sure".
  var category = document.getElementById("id_category_id");
  var place = document.getElementById("id_place_id");
  var help = document.getElementById("id_place_id-help");
  function followCategory() {
    var chosen = category.selectedOptions[0];
    var kind = chosen && chosen.getAttribute("data-place-kind");
    kindOf[place.id] = !kind ? null : kind === "district" ? null : [kind];
    help.textContent = help.getAttribute("data-" + (kind || "any"));
    refilter(place);
  }
  category.addEventListener("change", followCategory);

  // District → its places, grouped by kind, and the posts serving it.
  var district = document.getElementById("id_district");
  function fillPosts(select, rows, keep) {
    select.length = 1;
    select.options[0].selected = true;
    rows.forEach(function (row) {
      var option = new Option(row[1], row[0]);
      if (String(row[0]) === keep) option.selected = true;
      select.add(option);
    });
  }
  function fillPlaces(groups, keep) {
    place.length = 1;
    Array.prototype.forEach.call(place.querySelectorAll("optgroup"), function (g) { g.remove(); });
    groups.forEach(function (group) {
      var optgroup = document.createElement("optgroup");
      optgroup.label = group.label;
      group.places.forEach(function (row) {
        var option = new Option(row[1], row[0], false, String(row[0]) === keep);
        option.setAttribute("data-kind", group.kind);
        option.setAttribute("data-words", row[2]);
        optgroup.appendChild(option);
      });
      place.appendChild(optgroup);
    });
    followCategory();
  }
  district.addEventListener("change", function () {
    var against = document.getElementById("id_against_post_id");
    if (!district.value) { fillPlaces([], ""); fillPosts(against, [], ""); return; }
    fetch(district.getAttribute("data-places-url") + "?district=" + encodeURIComponent(district.value))
      .then(function (r) { return r.json(); })
      .then(function (data) {
        fillPlaces(data.groups, place.value);
        fillPosts(against, data.posts, against.value);
      });
  });
  followCategory();
})();
