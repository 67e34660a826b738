// Resumable video uploads (tus 1.0, with tus-js-client) for the media library and the composer.
//
// Markup: an element with data-tus, data-endpoint (the tus creation URL) and data-mode
// ("composer": the video is attached to the post; "library": the page reloads to show it),
// holding an <input type=file>, a <progress data-tus-bar>, an element data-tus-status and a
// button data-tus-retry. Images keep their usual path (sent with the form); only videos go
// through tus. tus-js-client keeps each file's upload address in localStorage, so a dropped
// connection or a reloaded page resumes where the bytes stopped instead of starting again.
(function () {
  "use strict";

  var VIDEO_NAME = /\.(mp4|m4v|mov|webm|mkv|avi|3gp|mpe?g|ts)$/i;
  var CHUNK = 8 * 1024 * 1024; // each PATCH: a retry after a drop resends at most this much

  function isVideo(file) {
    return (file.type || "").indexOf("video/") === 0 || VIDEO_NAME.test(file.name || "");
  }

  function mb(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1);
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    return seconds.toFixed(1) + " s";
  }

  function csrfToken(box) {
    var form = box.closest("form");
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // What went wrong, in the server's words when it said something (a 413 says the limit).
  function reason(error) {
    var response = error && error.originalResponse;
    if (response) {
      var body = (response.getBody() || "").trim();
      if (body && body.length < 400 && body.charAt(0) !== "<") return body;
      return "the server answered " + response.getStatus();
    }
    return "the connection dropped";
  }

  // The progress parts sit in the box, or beside it in its form's section.
  function part(box, selector) {
    return box.querySelector(selector) || (box.closest("section, form") || document).querySelector(selector);
  }

  function say(box, text, isError) {
    var status = part(box, "[data-tus-status]");
    status.textContent = text;
    status.classList.toggle("error", !!isError);
    status.hidden = !text;
  }

  function attach(box, asset) {
    // The new video, checked, in the composer's media picker: the live checks run on "change".
    var picker = document.querySelector("[data-testid=media-picker]");
    if (!picker) {
      picker = document.createElement("div");
      picker.className = "media-picker";
      picker.setAttribute("data-testid", "media-picker");
      box.parentNode.insertBefore(picker, box);
      var empty = document.querySelector("[data-media-empty]");
      if (empty) empty.hidden = true;
    }
    var label = document.createElement("label");
    label.className = "media-choice";
    label.title = asset.name;
    var input = document.createElement("input");
    input.type = "checkbox";
    input.name = "media";
    input.value = String(asset.id);
    input.checked = true;
    label.appendChild(input);
    if (asset.thumbnail_url) {
      var img = document.createElement("img");
      img.src = asset.thumbnail_url;
      img.alt = asset.alt_text || "";
      label.appendChild(img);
    } else {
      var missing = document.createElement("span");
      missing.className = "thumb-missing";
      missing.textContent = asset.name;
      label.appendChild(missing);
    }
    if (asset.kind === "video") {
      var badge = document.createElement("span");
      badge.className = "media-duration";
      badge.setAttribute("data-testid", "video-duration");
      badge.textContent = "▶ " + duration(asset.duration);
      label.appendChild(badge);
    }
    picker.insertBefore(label, picker.firstChild);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function finished(box, url, name) {
    say(box, "Checking " + name + "…");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (outcome) {
        if (outcome.state !== "done" || !outcome.asset) {
          say(box, outcome.error || "This file could not be added to the media library.", true);
          return;
        }
        var asset = outcome.asset;
        if (box.dataset.mode === "composer") {
          attach(box, asset);
          say(
            box,
            asset.name + " is attached (" + (asset.kind === "video" ? duration(asset.duration) + ", " : "") +
              mb(asset.size) + " MB) and in the media library.",
          );
        } else {
          say(box, asset.name + " is in the media library.");
          window.location.reload();
        }
      })
      .catch(function () {
        say(box, "The video arrived, but we could not read the result; reload the page.", true);
      });
  }

  function start(box, file, extra) {
    var bar = part(box, "progress[data-tus-bar]");
    var retry = part(box, "[data-tus-retry]");
    bar.hidden = false;
    bar.max = file.size;
    bar.value = 0;
    retry.hidden = true;
    say(box, "Starting " + file.name + "…");
    var metadata = { filename: file.name, filetype: file.type || "" };
    Object.keys(extra || {}).forEach(function (key) {
      if (extra[key]) metadata[key] = extra[key];
    });
    var upload = new window.tus.Upload(file, {
      endpoint: box.dataset.endpoint,
      chunkSize: Number(box.dataset.chunkSize || CHUNK),
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      metadata: metadata,
      headers: { "X-CSRFToken": csrfToken(box) },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        bar.value = sent;
        var percent = total ? Math.floor((sent / total) * 100) : 0;
        box.dataset.percent = String(percent);
        say(box, "Uploading " + file.name + ": " + percent + "% (" + mb(sent) + " of " + mb(total) + " MB)");
      },
      onError: function (error) {
        say(box, "The upload of " + file.name + " stopped: " + reason(error) + ".", true);
        var status = error && error.originalResponse && error.originalResponse.getStatus();
        // a refusal (too large, no right) cannot be resumed; a dropped connection can
        retry.hidden = status >= 400 && status < 500 && status !== 409 && status !== 423;
      },
      onSuccess: function () {
        bar.value = file.size;
        finished(box, upload.url, file.name);
      },
    });
    retry.onclick = function () {
      retry.hidden = true;
      say(box, "Resuming " + file.name + "…");
      upload.start(); // asks the server how far it got (HEAD), then sends the rest
    };
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
    return upload;
  }

  function wire(box) {
    var input = box.querySelector("input[type=file]");
    if (!input || !window.tus || !window.tus.isSupported) return;
    if (box.dataset.mode === "composer") {
      // a video starts uploading as soon as it is chosen; an image waits for the form
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file || !isVideo(file)) return;
        input.value = ""; // the form must not send the video again as a form upload
        var alt = document.querySelector("[name=upload_alt]");
        start(box, file, { alt_text: alt ? alt.value : "" });
      });
      return;
    }
    var form = input.closest("form");
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (!file || !isVideo(file)) return; // images: the form as before
      event.preventDefault();
      var alt = form.querySelector("[name=alt_text]");
      start(box, file, { alt_text: alt ? alt.value : "" });
    });
  }

  function init() {
    document.querySelectorAll("[data-tus]").forEach(wire);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
