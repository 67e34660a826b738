// Inbox keyboard shortcuts and small helpers (no inline scripts).
//   List:          j / k move the selection, Enter or o opens it.
//   Conversation:  j / k next / previous item, r reply, d done, a assign, u back to the list.
// Keys are ignored while typing in a field; Escape leaves the field.
(function () {
  "use strict";

  var selectedId = null;

  function typing(event) {
    var el = event.target;
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-inbox-row]"));
  }

  function select(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    if (!row) return;
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selectedId = row.getAttribute("data-id");
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.findIndex(function (r) { return r.getAttribute("data-id") === selectedId; });
    var next = index < 0 ? 0 : Math.min(list.length - 1, Math.max(0, index + step));
    select(list[next]);
  }

  function openSelected() {
    var row = document.querySelector("[data-inbox-row].selected");
    if (row) window.location.href = row.getAttribute("data-url");
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) window.location.href = link.href;
  }

  function submitDone() {
    var form = document.querySelector("[data-inbox-done]");
    if (!form) return;
    var button = form.querySelector("button[name=status]");
    if (button) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (typing(event)) return;
    var onList = rows().length > 0;
    switch (event.key) {
      case "j":
        if (onList) move(1); else follow("[data-inbox-next]");
        break;
      case "k":
        if (onList) move(-1); else follow("[data-inbox-prev]");
        break;
      case "Enter":
      case "o":
        if (!onList) return;
        openSelected();
        break;
      case "r":
        var reply = document.querySelector("[data-reply-text]");
        if (reply) { reply.focus(); } else if (onList) { openSelected(); }
        break;
      case "d":
        submitDone();
        break;
      case "a":
        var assign = document.querySelector("[data-assign-select]");
        if (assign) assign.focus();
        break;
      case "u":
        follow("[data-inbox-back]");
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // Clicking a row opens it (the author link works on its own).
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("[data-inbox-row]");
    if (!row || event.target.closest("a, button, form")) return;
    window.location.href = row.getAttribute("data-url");
  });

  // The list is re-rendered by htmx polling: keep the selection on the same item.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target.hasAttribute || !event.target.hasAttribute("data-inbox-list")) return;
    var row = selectedId && document.querySelector('[data-inbox-row][data-id="' + selectedId + '"]');
    if (row) { row.classList.add("selected"); row.setAttribute("aria-selected", "true"); }
  });

  // A saved reply fills the reply box (already rendered for this item's author).
  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (!picker.matches || !picker.matches("[data-saved-reply]")) return;
    var option = picker.options[picker.selectedIndex];
    var box = document.querySelector("[data-reply-text]");
    if (option && box && option.getAttribute("data-text")) {
      box.value = option.getAttribute("data-text");
      box.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var first = rows()[0];
    if (first) select(first);
  });
})();
