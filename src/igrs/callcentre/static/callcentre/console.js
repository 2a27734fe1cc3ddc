// The inbound console: when a call lands on this agent's line, show the caller's history and
// put the number (and the call id) into the registration form. Polls every two seconds.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var form = document.getElementById("complaint-form");
  var filled = "";  // the number this script put in, which a new call may replace
  function adopt() {
    var box = live.querySelector("#live-call");
    var mobile = form.querySelector("#id_mobile");
    var callId = form.querySelector("#id_call_id");
    if (box.getAttribute("data-call") && callId.value !== box.getAttribute("data-call")) {
      callId.value = box.getAttribute("data-call");
      // Keep a number the agent typed; replace an empty one or the last caller's.
      if (!mobile.value || mobile.value === filled) {
        mobile.value = filled = box.getAttribute("data-mobile");
      }
    }
  }
  function poll() {
    fetch(live.getAttribute("data-url"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#live-call");
        if (fresh && fresh.outerHTML !== live.querySelector("#live-call").outerHTML) {
          live.replaceChild(fresh, live.querySelector("#live-call"));
          adopt();
        }
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  adopt();
  setTimeout(poll, 2000);
})();
