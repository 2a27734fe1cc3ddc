// Category suggestions while the description is typed (portal filing form, agents' console).
// Shows the server's top three as buttons under the description; pressing one (mouse, or
// Enter/Space after Tab or the arrow keys) chooses that category in the list. Nothing is ever
// chosen by itself. The form carries the last suggestion's token back when it files, so the
// choice is recorded with what was suggested. Without this script the form works as before.
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch) return;
  var description = form.querySelector("#id_description");
  var category = form.querySelector("select[name=category_id]");
  if (!description || !category) return;

  var PAUSE_MS = 300;
  var MIN_LETTERS = 3;
  var url = form.getAttribute("data-suggest-url");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  function hidden(name) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    form.appendChild(input);
    return input;
  }
  var token = hidden("category_suggestion");
  var picked = hidden("category_suggestion_picked");
  var pickedId = "";

  var box = document.createElement("div");
  box.className = "suggestions";
  box.id = "category-suggestions";
  box.setAttribute("aria-live", "polite");
  box.style.cssText = "margin-top:.4rem";
  description.parentNode.insertBefore(box, description.nextSibling);

  var timer = null;
  var asked = 0;  // the newest request; older answers are dropped
  var lastText = null;

  function buttons() { return box.querySelectorAll("button"); }

  function choose(button) {
    var id = button.getAttribute("data-category");
    var search = document.getElementById("category-search");
    if (search && search.value) {  // the word search may have hidden the option
      search.value = "";
      search.dispatchEvent(new Event("input"));
    }
    category.value = id;
    category.dispatchEvent(new Event("change", {bubbles: true}));
    pickedId = id;
    picked.value = "1";
    Array.prototype.forEach.call(buttons(), function (b) {
      b.setAttribute("aria-pressed", String(b === button));
    });
  }

  function show(data) {
    box.textContent = "";
    token.value = data.token || "";
    if (!data.suggestions || !data.suggestions.length) return;
    var heading = document.createElement("p");
    heading.className = "help";
    heading.id = "category-suggestions-heading";
    heading.textContent = data.heading;
    var group = document.createElement("div");
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", heading.id);
    group.style.cssText = "display:flex;flex-wrap:wrap;gap:.4rem";
    data.suggestions.forEach(function (s) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.style.marginTop = "0";
      button.textContent = s.label;
      button.setAttribute("data-category", String(s.category_id));
      button.setAttribute("data-code", s.code);
      button.setAttribute("aria-pressed", String(category.value === String(s.category_id)));
      button.addEventListener("click", function () { choose(button); });
      group.appendChild(button);
    });
    box.appendChild(heading);
    box.appendChild(group);
  }

  function ask() {
    var text = description.value;
    if (text === lastText) return;
    lastText = text;
    if (text.replace(/\s/g, "").length < MIN_LETTERS) { box.textContent = ""; return; }
    var mine = ++asked;
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : ""},
      body: JSON.stringify({text: text})
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === asked) show(data); })
      .catch(function () {});  // no suggestions; the form works without them
  }

  description.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, PAUSE_MS);
  });

  // Arrow keys move between the suggestions (Tab reaches them too); Enter or Space chooses.
  box.addEventListener("keydown", function (event) {
    var list = Array.prototype.slice.call(buttons());
    var at = list.indexOf(document.activeElement);
    if (at < 0) return;
    var step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[event.key];
    if (!step) return;
    event.preventDefault();
    list[(at + step + list.length) % list.length].focus();
  });

  // Chosen from the list by hand after a suggestion was pressed: no longer "picked".
  category.addEventListener("change", function () {
    if (category.value !== pickedId) picked.value = "0";
    Array.prototype.forEach.call(buttons(), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-category") === category.value));
    });
  });

  // A form shown again (after an error) already has its text: suggest for it at once.
  ask();
})();
