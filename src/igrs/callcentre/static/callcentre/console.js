// The inbound console, for agents working from the keyboard: when a call lands on this
// agent's line, show the caller's history, put the number (and the call id) into the
// registration form and the cursor into the first empty field. Polls every two seconds.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var form = document.getElementById("complaint-form");
  var filled = "";  // the number this script put in, which a new call may replace

  function firstEmptyField() {
    var fields = form.querySelectorAll("input[required]:not([type=hidden]):not([type=checkbox])");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) return fields[i];
    }
    return null;
  }
  function midWord() {
    // The agent is typing something of their own: never pull the cursor away from it.
    var active = document.activeElement;
    return form.contains(active) && active.value && active.value !== filled;
  }
  function focusFirstEmpty() {
    var field = firstEmptyField();
    if (field && !midWord()) field.focus();
  }
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
      focusFirstEmpty();  // a new caller: straight to the name, never mid-word elsewhere
    }
  }
  // The version of what the console shows: the server answers 304, and nothing else, while
  // it is still current.
  var version = live.getAttribute("data-version");
  function poll() {
    fetch(live.getAttribute("data-url"),
          {credentials: "same-origin", headers: version ? {"If-None-Match": version} : {}})
      .then(function (r) {
        if (!r.ok) return null;  // 304 included: unchanged
        version = r.headers.get("ETag");
        return r.text();
      })
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

  // Enter in the category search takes the best match and moves on, instead of filing a
  // half-typed complaint; Ctrl+Enter anywhere in the form files it.
  var search = document.getElementById("category-search");
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.querySelector("#id_category_id").focus();
    }
  });
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  adopt();
  if (!form.querySelector("[aria-invalid=true]")) focusFirstEmpty();
  else form.querySelector("[aria-invalid=true]").focus();  // straight to what needs fixing
  setTimeout(poll, 2000);
})();
