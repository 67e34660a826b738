// The composer's small behaviours: accounts of the chosen brand, per-network tabs,
// "reset to main text". Live checks come from the server (htmx on #checks).
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("composer");
    if (!form) return;
    var brand = form.querySelector("#id_brand");
    var main = form.querySelector("#id_text");
    var zone = form.querySelector(".brand-zone");

    function tabsFor(accountId) {
      return form.querySelector('.tab[data-tab="' + accountId + '"]');
    }

    function showPanel(name) {
      form.querySelectorAll(".tab").forEach(function (tab) {
        tab.setAttribute("aria-selected", tab.dataset.tab === name ? "true" : "false");
      });
      form.querySelectorAll(".tab-panel").forEach(function (panel) {
        panel.hidden = panel.dataset.panel !== name;
      });
    }

    function syncTabs() {
      var selected = form.querySelector('.tab[aria-selected="true"]');
      form.querySelectorAll("input[name=accounts]").forEach(function (box) {
        var tab = tabsFor(box.value);
        if (tab) tab.hidden = !box.checked || box.closest(".account-choice").hidden;
      });
      if (selected && selected.hidden) showPanel("main");
    }

    function syncBrand() {
      if (!brand) return;
      var id = brand.value;
      var visible = 0;
      form.querySelectorAll(".account-choice").forEach(function (choice) {
        var mine = choice.dataset.brand === id;
        choice.hidden = !mine;
        // an account that cannot be posted to (shown disabled, with its reason) does not count
        if (mine && !choice.querySelector("input").disabled) visible += 1;
        if (!mine) choice.querySelector("input").checked = false;
      });
      var none = form.querySelector(".no-accounts");
      if (none) none.hidden = visible > 0;
      form.querySelectorAll(".held-notice").forEach(function (notice) {
        notice.hidden = notice.dataset.brand !== id;
      });
      var option = brand.options[brand.selectedIndex];
      if (zone && option) zone.textContent = option.dataset.zone || "";
      syncTabs();
    }

    form.addEventListener("click", function (event) {
      var tab = event.target.closest(".tab");
      if (tab) {
        showPanel(tab.dataset.tab);
        return;
      }
      var reset = event.target.closest(".reset-variant");
      if (reset) {
        var area = document.getElementById(reset.dataset.reset);
        area.value = "";
        area.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });

    // An empty variant follows the main text; starting to adapt it starts from that text.
    form.addEventListener("focusin", function (event) {
      var area = event.target;
      if (area.matches(".tab-panel textarea") && area.id !== "id_text" && !area.value && main) {
        area.value = main.value;
      }
    });

    form.addEventListener("change", function (event) {
      if (event.target === brand) syncBrand();
      if (event.target.name === "accounts") syncTabs();
    });

    syncBrand();
    var hasErrors = form.querySelector(".tab-panel .errorlist");
    if (hasErrors) showPanel(hasErrors.closest(".tab-panel").dataset.panel);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
