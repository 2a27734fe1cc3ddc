// The inbound console, for agents working from the keyboard: when a call lands on this
// agent's line, show the caller's history, bind the registration form to that call (its id
// and the caller's number) and put the cursor into the first empty field. A form bound to an
// earlier call is never reused for the next one: the page comes back fresh for the new call,
// and anything typed for the last caller is put aside to restore, not carried over. Polls
// every two seconds.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var form = document.getElementById("complaint-form");
  var callId = form.querySelector("#id_call_id");
  var DRAFT = "igrs-draft:";

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
    return form.contains(active) && active.value && active.value !== active.defaultValue;
  }
  function typed() {
    // What the agent typed into the form, by field name (none of it the server's).
    var found = {}, any = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") return;
      var value = el.type === "checkbox" ? (el.checked ? "on" : "") : el.value;
      var initial = el.type === "checkbox" ? (el.defaultChecked ? "on" : "") : el.defaultValue;
      if (el.tagName === "SELECT") {
        initial = Array.prototype.filter.call(el.options, function (o) { return o.defaultSelected; })
          .map(function (o) { return o.value; })[0] || "";
      }
      if (value !== initial) { found[el.name] = value; any = true; }
    });
    return any ? found : null;
  }
  function putAside(call) {
    var draft = typed();
    if (!draft) return;
    draft.call_id = call;
    draft.mobile = form.querySelector("#id_mobile").value;
    sessionStorage.setItem(DRAFT + call, JSON.stringify(draft));
  }
  function offerDrafts() {
    var box = document.getElementById("drafts");
    for (var i = 0; i < sessionStorage.length; i++) {
      var key = sessionStorage.key(i);
      if (key.indexOf(DRAFT) !== 0 || key === DRAFT + callId.value) continue;
      var draft = JSON.parse(sessionStorage.getItem(key));
      var line = document.createElement("p");
      line.textContent = box.getAttribute("data-text") + " " + draft.mobile + " ";
      var restore = document.createElement("button"), discard = document.createElement("button");
      restore.type = discard.type = "button";
      restore.className = discard.className = "secondary";
      restore.textContent = box.getAttribute("data-restore");
      discard.textContent = box.getAttribute("data-discard");
      restore.addEventListener("click", restoreDraft.bind(null, key, draft, line));
      discard.addEventListener("click", function (k, l) {
        sessionStorage.removeItem(k); l.remove();
      }.bind(null, key, line));
      line.appendChild(restore); line.appendChild(discard);
      box.appendChild(line);
      box.hidden = false;
    }
  }
  function restoreDraft(key, draft, line) {
    // Filed for its own call and caller: the server checks the number is that call's.
    Object.keys(draft).forEach(function (name) {
      var el = form.elements[name];
      if (!el || el.type === "file") return;
      if (el.type === "checkbox") el.checked = draft[name] === "on"; else el.value = draft[name];
    });
    sessionStorage.removeItem(key);
    line.remove();
    form.querySelector("#id_district").dispatchEvent(new Event("change"));
  }
  function focusFirstEmpty() {
    var field = firstEmptyField();
    if (field && !midWord()) field.focus();
  }
  // The call on the line when the page came; a form is reset only when another one lands
  // after that (a draft restored for an earlier call is the agent's to file).
  var lastLanded = live.querySelector("#live-call").getAttribute("data-call") || "";
  function adopt() {
    var landed = live.querySelector("#live-call").getAttribute("data-call");
    var arrived = landed && landed !== lastLanded;
    lastLanded = landed || "";
    if (!landed || landed === callId.value) return;
    if (callId.value) {
      if (!arrived) return;
      // The form belongs to the last call: put what was typed aside and start afresh.
      putAside(callId.value);
      location.replace(location.pathname);
      return;
    }
    // Typing began before the telephony system reported the call: it is this caller's.
    var mobile = form.querySelector("#id_mobile");
    callId.value = landed;
    if (!mobile.value) {
      // The caller's number, as if the page had come with it: not something the agent typed.
      mobile.value = mobile.defaultValue = live.querySelector("#live-call").getAttribute("data-mobile");
    }
    focusFirstEmpty();  // a new caller: straight to the name, never mid-word elsewhere
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

  // Enter in a search box takes the best match (faces/forms.js); Ctrl+Enter anywhere in the
  // form files it.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // Back or forward into a cached page: fetch it afresh, bound to the call on the line now.
  window.addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });
  offerDrafts();
  adopt();
  if (!form.querySelector("[aria-invalid=true]")) focusFirstEmpty();
  else form.querySelector("[aria-invalid=true]").focus();  // straight to what needs fixing
  setTimeout(poll, 2000);
})();
