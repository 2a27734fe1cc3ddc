// File inputs with a button in the page's language: the native input (whose button the
// browser labels in the phone's language) stays in place, unseen but focusable, and a label
// styled as a button opens it; the names chosen are shown beside. Without this script the
// native input shows as it is.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".file-pick"), function (pick) {
    var input = pick.querySelector("input[type=file]");
    var names = pick.querySelector(".file-names");
    var none = names.textContent;
    pick.classList.add("enhanced");
    pick.querySelector(".file-button").hidden = false;
    names.hidden = false;
    input.addEventListener("change", function () {
      var chosen = Array.prototype.map.call(input.files, function (f) { return f.name; });
      names.textContent = chosen.length ? chosen.join(", ") : none;
    });
  });
})();
