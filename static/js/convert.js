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
      previewAs(from, to, marker.dataset);
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  // the composer's previews (static/js/preview.js) find a chosen medium by its id: the copy
  // gets the original's entry with its own poster and size
  function previewAs(from, to, data) {
    var node = document.querySelector('[data-preview-media="' + from + '"]');
    if (!node || document.querySelector('[data-preview-media="' + to + '"]')) return;
    var copy = node.cloneNode(false);
    copy.setAttribute("data-preview-media", to);
    if (data.src) copy.dataset.src = data.src;
    if (data.width) copy.dataset.width = data.width;
    if (data.height) copy.dataset.height = data.height;
    if (data.duration) copy.dataset.duration = data.duration;
    node.parentNode.insertBefore(copy, node.nextSibling);
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
