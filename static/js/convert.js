// Video conversions in the composer (templates/posts/_conversion.html): once a converted
// copy is ready, the composer's media choice takes the copy in place of the original (the
// checkbox keeps its place and state, its value becomes the copy's id), and the checks run
// again; saving the post then replaces its media row's asset with the copy.
(function () {
  "use strict";
  if (window.smmConvert) return;
  window.smmConvert = true;

  function swapIn(root) {
    var form = document.getElementById("composer");
    if (!form) return;
    (root || document).querySelectorAll("[data-convert-swap]").forEach(function (marker) {
      marker.removeAttribute("data-convert-swap");
      var from = marker.dataset.from;
      var to = marker.dataset.to;
      if (form.querySelector('input[name=media][value="' + to + '"]:checked')) {
        // the copy is chosen already: drop the original if it is chosen too
        var both = form.querySelector('input[name=media][value="' + from + '"]');
        if (both && both.checked) {
          both.checked = false;
          both.dispatchEvent(new Event("change", { bubbles: true }));
        }
        return;
      }
      var box = form.querySelector('input[name=media][value="' + from + '"]');
      if (!box || !box.checked) return;
      var copy = form.querySelector('input[name=media][value="' + to + '"]');
      if (copy) {
        box.checked = false;
        copy.checked = true;
        copy.dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
      box.value = to;
      var label = box.closest("label");
      if (label && marker.dataset.name) label.title = marker.dataset.name;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    swapIn(document);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { swapIn(document); });
  } else {
    swapIn(document);
  }
})();
