// Every minute the counts are fetched afresh and swapped in place, so focus and scroll stay
// put; the pause button holds them still for reading (WCAG 2.2.2).
(function () {
  "use strict";
  var pause = document.getElementById("pause-updates");
  pause.hidden = false;
  pause.addEventListener("click", function () {
    pause.setAttribute("aria-pressed", String(pause.getAttribute("aria-pressed") !== "true"));
  });
  setInterval(function () {
    if (pause.getAttribute("aria-pressed") === "true") return;
    fetch(location.href, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html")
          .getElementById("counts");
        if (fresh) document.getElementById("counts").replaceWith(fresh);
      })
      .catch(function () {});  // offline for a moment: the "updated at" time shows it
  }, 60000);
})();
