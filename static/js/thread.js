// The composer's thread editor and first comment (templates/posts/_thread_editor.html):
// add, remove and reorder parts; show each part's count as each chosen network counts it
// (from the live check: #thread-counts inside #checks); show the thread and the first
// comment blocks only when a chosen account takes them.
(function () {
  "use strict";

  function init() {
    var editor = document.getElementById("thread-editor");
    var form = document.getElementById("composer");
    if (!editor || !form) return;
    var list = editor.querySelector(".thread-parts");
    var template = document.getElementById("thread-part-template");
    var threadIds = (editor.dataset.threadAccounts || "").split(",").filter(Boolean);
    var commentIds = (editor.dataset.commentAccounts || "").split(",").filter(Boolean);
    var lastCounts = {};

    function chosen() {
      var ids = [];
      form.querySelectorAll("input[name=accounts]").forEach(function (box) {
        if (box.checked) ids.push(box.value);
      });
      return ids;
    }

    function syncBlocks() {
      var ids = chosen();
      var anyThread = ids.some(function (id) { return threadIds.indexOf(id) >= 0; });
      var anyComment = ids.some(function (id) { return commentIds.indexOf(id) >= 0; });
      editor.querySelector(".thread-block").hidden = !anyThread && list.children.length === 0;
      editor.querySelector(".thread-none").hidden = anyThread || list.children.length === 0;
      var comment = editor.querySelector(".first-comment-block");
      var commentBox = editor.querySelector("#id_first_comment");
      comment.hidden = !anyComment && !commentBox.value.trim();
      editor.hidden = editor.querySelector(".thread-block").hidden && comment.hidden;
    }

    function renumber() {
      Array.prototype.forEach.call(list.children, function (item, index) {
        var number = index + 2;
        var box = item.querySelector("textarea");
        box.id = "part-" + (index + 1);
        var label = item.querySelector(".part-number");
        label.textContent = "Part " + number;
        label.setAttribute("for", box.id);
        item.querySelector(".part-up").setAttribute("aria-label", "Move part " + number + " up");
        item.querySelector(".part-down").setAttribute("aria-label", "Move part " + number + " down");
        item.querySelector(".part-remove").setAttribute("aria-label", "Remove part " + number);
        item.querySelector(".part-up").disabled = index === 0;
        item.querySelector(".part-down").disabled = index === list.children.length - 1;
      });
      showCounts();
    }

    function changed() {
      renumber();
      syncBlocks();
      // the live check (htmx on #checks) listens for changes in the form
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function showCounts() {
      var filled = 0;
      Array.prototype.forEach.call(list.children, function (item) {
        var box = item.querySelector("textarea");
        var out = item.querySelector(".part-counts");
        out.textContent = "";
        item.classList.remove("part-over");
        if (!box.value.trim()) {
          out.textContent = "Empty: left out";
          return;
        }
        var index = filled;
        filled += 1;
        Object.keys(lastCounts).forEach(function (accountId) {
          var entry = lastCounts[accountId];
          var length = entry.parts[index];
          if (length === undefined) return;
          var span = document.createElement("span");
          span.className = "part-count";
          span.dataset.testid = "part-count";
          span.textContent = entry.label + " " + length + (entry.limit ? " / " + entry.limit : "");
          if (entry.limit && length > entry.limit) {
            span.classList.add("over");
            span.textContent += " (" + (length - entry.limit) + " over)";
            item.classList.add("part-over");
          }
          out.appendChild(span);
        });
      });
    }

    function readCounts() {
      var holder = document.getElementById("thread-counts");
      if (!holder) return;
      try {
        lastCounts = JSON.parse(holder.dataset.counts || "{}");
      } catch (error) {
        lastCounts = {};
      }
      showCounts();
    }

    editor.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !editor.contains(button)) return;
      var item = button.closest(".thread-part");
      if (button.dataset.testid === "add-part") {
        var fresh = template.content.firstElementChild.cloneNode(true);
        list.appendChild(fresh);
        changed();
        fresh.querySelector("textarea").focus();
      } else if (item && button.classList.contains("part-remove")) {
        var next = item.nextElementSibling || item.previousElementSibling;
        item.remove();
        changed();
        if (next) next.querySelector("textarea").focus();
        else editor.querySelector("[data-testid=add-part]").focus();
      } else if (item && button.classList.contains("part-up") && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
        changed();
        item.querySelector(".part-up").focus();
      } else if (item && button.classList.contains("part-down") && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
        changed();
        item.querySelector(".part-down").focus();
      }
    });

    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "accounts") syncBlocks();
    });
    if (form.querySelector("#id_brand")) {
      form.querySelector("#id_brand").addEventListener("change", function () {
        window.setTimeout(syncBlocks, 0); // after composer.js unticks the other brand's accounts
      });
    }
    document.body.addEventListener("htmx:afterSettle", readCounts);
    renumber();
    syncBlocks();
    readCounts();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
