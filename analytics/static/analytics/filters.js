// Period filter: show the week picker for ISO weeks, the date range for custom periods,
// and leave the other inputs out of the URL (disabled inputs are not submitted).
(function () {
  function setup(form) {
    var kind = form.querySelector("[data-period-kind]");
    if (!kind) return;
    function sync() {
      form.querySelectorAll("[data-show-for]").forEach(function (el) {
        var on = el.dataset.showFor.split(" ").indexOf(kind.value) !== -1;
        el.hidden = !on;
        el.querySelectorAll("input").forEach(function (input) { input.disabled = !on; });
      });
    }
    kind.addEventListener("change", sync);
    sync();
  }
  function init() { document.querySelectorAll('[data-testid="filters"]').forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
