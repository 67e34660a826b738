// The composer's Insert menu: the chosen brand's hashtag groups and snippets, inserted at
// the cursor of the text last written in (the main text, an account's own tab, a thread's
// part or the first comment). Only
// the snippet goes in: an empty account tab gets the snippet, never the main text too.
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("composer");
    var menu = form && form.querySelector(".insert-menu");
    if (!menu) return;
    var details = menu.querySelector("details");
    var brand = form.querySelector("#id_brand");
    var lastField = null;

    form.addEventListener("focusin", function (event) {
      // the main text, an account's tab, a thread's part, the first comment
      if (event.target.matches("textarea")) lastField = event.target;
    });

    function visibleField() {
      if (lastField && lastField.isConnected && lastField.getClientRects().length) return lastField;
      var panel = form.querySelector(".tab-panel:not([hidden])");
      return panel ? panel.querySelector("textarea") : form.querySelector("#id_text");
    }

    function syncBrand() {
      var id = brand ? brand.value : "";
      var shown = { hashtags: 0, text: 0 };
      menu.querySelectorAll(".insert-item").forEach(function (item) {
        item.hidden = item.dataset.brand !== id;
        if (!item.hidden) shown[item.dataset.kind] += 1;
      });
      menu.querySelectorAll("[data-kind-heading]").forEach(function (heading) {
        heading.hidden = !shown[heading.dataset.kindHeading];
      });
      menu.querySelectorAll(".insert-manage").forEach(function (link) {
        link.hidden = link.dataset.brand !== id;
      });
      menu.querySelector(".insert-none").hidden = shown.hashtags + shown.text > 0;
    }

    function insert(area, text) {
      // a text never written in has no cursor yet: add at its end
      var fresh = area !== lastField;
      var start = fresh ? area.value.length : area.selectionStart;
      var end = fresh ? area.value.length : area.selectionEnd;
      var before = area.value.slice(0, start);
      var after = area.value.slice(end);
      if (before && !/\s$/.test(before)) text = " " + text;
      if (after && !/^\s/.test(after)) text = text + " ";
      area.focus();
      area.setRangeText(text, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }

    menu.addEventListener("click", function (event) {
      var item = event.target.closest(".insert-item");
      if (!item) return;
      var area = visibleField();
      if (!area) return;
      details.open = false;
      insert(area, item.dataset.insert);
      lastField = area;
    });

    document.addEventListener("click", function (event) {
      if (details.open && !menu.contains(event.target)) details.open = false;
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && details.open) {
        details.open = false;
        menu.querySelector("summary").focus();
      }
    });

    if (brand) brand.addEventListener("change", syncBrand);
    syncBrand();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
