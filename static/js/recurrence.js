// The composer's Repeat section: shows the fields the chosen preset needs, and asks the
// server (recurring:preview, the same code that plans the posts) for the summary and the
// next five dates while the person edits the rule, the date, the time or the brand.
(function () {
  "use strict";

  function start() {
    var section = document.getElementById("recurrence");
    if (!section) return;
    var form = section.closest("form");
    if (!form) return;
    var preset = section.querySelector("[name=repeat]");
    var details = section.querySelector(".recurrence-details");
    var days = section.querySelector(".recurrence-days");
    var unit = section.querySelector(".recurrence-unit");
    var summary = section.querySelector(".recurrence-summary");
    var list = section.querySelector(".recurrence-next");
    var timer = null;
    var asked = 0;

    function field(name) {
      var el = form.querySelector("[name=" + name + "]");
      return el ? el.value : "";
    }

    function weekdayOfStart() {
      var value = field("date");
      if (!value) return null;
      var d = new Date(value + "T12:00:00");
      return ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][d.getDay()];
    }

    function layout(presetChanged) {
      var kind = preset.value;
      details.hidden = !kind;
      days.hidden = kind !== "weekly";
      unit.textContent = { daily: "day(s)", weekdays: "week(s)", weekly: "week(s)" }[kind] || "month(s)";
      // picking "weekly" starts from the first date's weekday; unticking every day later is the person's choice
      if (presetChanged && kind === "weekly" && !days.querySelector("input:checked")) {
        var code = weekdayOfStart();
        var box = code && days.querySelector("input[value=" + code + "]");
        if (box) box.checked = true;
      }
    }

    function show(data) {
      list.textContent = "";
      var errors = data.errors || {};
      var messages = Object.keys(errors).map(function (k) { return errors[k]; });
      summary.classList.toggle("error", messages.length > 0);
      summary.textContent = messages.length ? messages.join(" ") : data.summary;
      (data.next || []).forEach(function (when) {
        var li = document.createElement("li");
        li.textContent = when;
        list.appendChild(li);
      });
      (data.notes || []).forEach(function (note) {
        var li = document.createElement("li");
        li.className = "muted";
        li.textContent = note;
        list.appendChild(li);
      });
    }

    function ask() {
      if (!preset.value) return;
      var params = new URLSearchParams();
      ["brand", "date", "time", "repeat", "repeat_interval", "repeat_end", "repeat_until", "repeat_count"].forEach(
        function (name) {
          var el = form.querySelector("[name=" + name + "]:checked") || form.querySelector("[name=" + name + "]");
          if (el && el.type === "radio" && !el.checked) return;
          if (el) params.set(name, el.value);
        }
      );
      days.querySelectorAll("input:checked").forEach(function (box) { params.append("repeat_days", box.value); });
      var mine = ++asked;
      fetch(section.dataset.preview + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === asked) show(data); })
        .catch(function () { if (mine === asked) show({ errors: { x: "Could not compute the dates; try again." } }); });
    }

    function changed(event) {
      var name = event.target && event.target.name;
      if (!name || !(name.indexOf("repeat") === 0 || name === "date" || name === "time" || name === "brand")) return;
      layout(name === "repeat");
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    layout();
    ask();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
