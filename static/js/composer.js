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
      if (typeof syncOptions === "function") syncOptions();
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

    // An empty variant follows the main text, which it shows as its placeholder; it is
    // never filled in behind the writer's back (filling it on focus glued the main text
    // onto what was typed or pasted next). What is typed or pasted is the variant.
    function showMainInVariants() {
      if (!main) return;
      var shown = main.value.trim() ? "Same as the main text: " + main.value : "Same as the main text";
      form.querySelectorAll(".tab-panel textarea").forEach(function (area) {
        if (area !== main) area.placeholder = shown;
      });
    }
    if (main) main.addEventListener("input", showMainInVariants);
    showMainInVariants();

    // The network options of an account show while it is picked.
    function syncOptions() {
      var shown = 0;
      form.querySelectorAll(".option-group").forEach(function (group) {
        var box = form.querySelector('input[name=accounts][value="' + group.dataset.optionsFor + '"]');
        group.hidden = !(box && box.checked && !box.closest(".account-choice").hidden);
        if (!group.hidden) shown += 1;
      });
      var none = form.querySelector(".no-options");
      if (none) none.hidden = shown > 0;
    }

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
