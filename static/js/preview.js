// The composer's previews: one card per picked account, drawn from the form as it is
// typed (main text or the account's own tab, picked images, the link, Mastodon's content
// warning), with each network's styling, "more" cut and image crop. The rules come from
// posts/previews.py through the #preview-data JSON; cutText mirrors previews.cut there.
// Text is only ever put in text nodes: nothing typed reaches innerHTML.
(function () {
  "use strict";

  var WORD_BACKOFF = 20; // as posts/previews.py
  var MAX_GRID = 4;

  function cutText(rule, text) {
    text = text.trim();
    if (rule.cut_chars === null || rule.cut_chars === undefined) return { shown: text, cut: false };
    var shown = text;
    var cut = false;
    var lines = shown.split("\n");
    if (rule.cut_lines !== null && lines.length > rule.cut_lines) {
      shown = lines.slice(0, rule.cut_lines).join("\n");
      cut = true;
    }
    var points = Array.from(shown);
    if (points.length > rule.cut_chars) {
      var head = points.slice(0, rule.cut_chars);
      var space = -1;
      head.forEach(function (c, i) {
        if (c === " " || c === "\n") space = i;
      });
      if (space >= rule.cut_chars - WORD_BACKOFF) head = head.slice(0, space);
      shown = head.join("");
      cut = true;
    }
    return { shown: shown.replace(/\s+$/, ""), cut: cut };
  }

  // Links, @mentions and #hashtags, each as the network writes them; the rest is text.
  var TOKEN = /(https?:\/\/[^\s]+)|(@[A-Za-z0-9_][A-Za-z0-9_.]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)|(#[\p{L}\p{N}_]+)/gu;
  var WORDY = /[\p{L}\p{N}_]/u;

  function tokens(text) {
    var parts = [];
    var last = 0;
    var match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      var start = match.index;
      var value = match[0];
      if (start > 0 && WORDY.test(text.charAt(start - 1))) continue; // an e-mail address, a#b
      var kind = match[1] ? "link" : match[2] ? "mention" : "tag";
      if (kind === "link") {
        var trail = value.match(/[.,;:!?)\]'"]+$/);
        if (trail) value = value.slice(0, value.length - trail[0].length);
      } else if (kind === "mention") {
        value = value.replace(/\.+$/, "");
      }
      if (start > last) parts.push({ kind: "text", value: text.slice(last, start) });
      parts.push({ kind: kind, value: value });
      last = start + value.length;
      TOKEN.lastIndex = last;
    }
    if (last < text.length) parts.push({ kind: "text", value: text.slice(last) });
    return parts;
  }

  function shortLink(url) {
    var bare = url.replace(/^https?:\/\//, "").replace(/^www\./, "");
    return bare.length > 30 ? bare.slice(0, 29) + "…" : bare;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function styledText(rule, text) {
    var frag = document.createDocumentFragment();
    tokens(text).forEach(function (part) {
      if (part.kind === "text") {
        frag.appendChild(document.createTextNode(part.value));
        return;
      }
      if (part.kind === "link" && rule.links === "plain") {
        frag.appendChild(document.createTextNode(part.value)); // Instagram: not a link
        return;
      }
      var shown = part.value;
      if (part.kind === "link" && rule.links === "short") shown = shortLink(part.value);
      if (part.kind === "mention" && rule.mention_local) shown = "@" + part.value.split("@")[1];
      var span = el("span", "pv-" + part.kind, shown);
      span.dataset.kind = part.kind;
      span.style.color = part.kind === "link" ? rule.link_colour : rule.tag_colour;
      if (part.kind === "link") span.title = part.value;
      frag.appendChild(span);
    });
    return frag;
  }

  function initials(name) {
    var words = name.replace(/^@/, "").split(/[\s@._-]+/).filter(Boolean);
    var letters = words.slice(0, 2).map(function (w) {
      return Array.from(w)[0];
    });
    return (letters.join("") || "?").toUpperCase();
  }

  function clampAspect(rule, width, height) {
    var ratio = width && height ? width / height : 1;
    return Math.min(Math.max(ratio, rule.aspect[0]), rule.aspect[1]);
  }

  function init() {
    var form = document.getElementById("composer");
    var section = document.getElementById("previews");
    var dataNode = document.getElementById("preview-data");
    if (!form || !section || !dataNode) return;
    var data = JSON.parse(dataNode.textContent);
    var list = section.querySelector(".preview-list");
    var empty = section.querySelector(".previews-empty");
    var expanded = {}; // account id -> "more" opened; "cw:" + id -> content warning opened
    var uploadUrl = null;
    var uploadFile = null;

    function account(id) {
      var node = section.querySelector('[data-preview-account="' + id + '"]');
      return node ? node.dataset : null;
    }

    function field(name) {
      return form.querySelector('[name="' + name + '"]');
    }

    function pickedMedia() {
      var items = [];
      var upload = field("upload");
      var file = upload && upload.files && upload.files[0];
      if (file !== uploadFile) {
        if (uploadUrl) URL.revokeObjectURL(uploadUrl);
        uploadFile = file;
        uploadUrl = file && /^image\//.test(file.type) ? URL.createObjectURL(file) : null;
      }
      if (uploadUrl) items.push({ src: uploadUrl, width: 0, height: 0, alt: "" });
      form.querySelectorAll("input[name=media]:checked").forEach(function (box) {
        var node = section.querySelector('[data-preview-media="' + box.value + '"]');
        if (node) {
          items.push({
            src: node.dataset.src,
            width: Number(node.dataset.width),
            height: Number(node.dataset.height),
            alt: node.dataset.alt,
            // a video shows its poster frame with a play mark and its length
            video: node.dataset.video === "1",
            duration: Number(node.dataset.duration || 0),
          });
        }
      });
      return items;
    }

    function clock(seconds) {
      var whole = Math.round(seconds);
      var minutes = Math.floor(whole / 60);
      var rest = whole % 60;
      return minutes + ":" + (rest < 10 ? "0" : "") + rest;
    }

    function image(item, className) {
      var img = el("img", className || "");
      img.src = item.src;
      img.alt = item.alt || "";
      img.loading = "lazy";
      if (!item.video) return img;
      var box = el("span", "pv-video");
      if (item.src) box.appendChild(img); // no poster yet: the dark box and the play mark
      else img.removeAttribute("src");
      box.appendChild(el("span", "pv-play", "▶ " + (item.duration ? clock(item.duration) : "Video")));
      return box;
    }

    function singleImage(rule, item) {
      var box = el("div", "pv-media pv-single");
      box.style.aspectRatio = String(clampAspect(rule, item.width, item.height));
      var node = image(item);
      var img = node.tagName === "IMG" ? node : node.querySelector("img");
      if (!item.width && img) {
        img.addEventListener("load", function () {
          box.style.aspectRatio = String(clampAspect(rule, img.naturalWidth, img.naturalHeight));
        });
      }
      box.appendChild(node);
      return box;
    }

    function mediaBlock(rule, network, items) {
      if (!items.length) {
        if (network !== "instagram") return null;
        var none = el("div", "pv-media pv-missing");
        none.appendChild(el("span", "", "Instagram needs an image or a video"));
        return none;
      }
      if (items.length === 1) return singleImage(rule, items[0]);
      if (rule.gallery === "carousel" && network === "instagram") {
        // a carousel is cropped to its first image's shape; one shows at a time
        var first = singleImage(rule, items[0]);
        first.classList.add("pv-carousel-one");
        first.appendChild(el("span", "pv-counter", "1/" + items.length));
        var dots = el("div", "pv-dots");
        items.forEach(function (_, i) {
          dots.appendChild(el("span", i === 0 ? "on" : ""));
        });
        var wrap = el("div", "pv-carousel-wrap");
        wrap.appendChild(first);
        wrap.appendChild(dots);
        return wrap;
      }
      if (rule.gallery === "carousel") {
        var strip = el("div", "pv-media pv-strip");
        items.forEach(function (item) {
          var cell = el("div", "pv-strip-cell");
          cell.style.aspectRatio = String(clampAspect(rule, item.width, item.height));
          cell.appendChild(image(item));
          strip.appendChild(cell);
        });
        return strip;
      }
      var shown = items.slice(0, MAX_GRID);
      var grid = el("div", "pv-media pv-grid pv-grid-" + shown.length);
      shown.forEach(function (item, i) {
        var cell = el("div", "pv-cell");
        cell.appendChild(image(item));
        if (i === shown.length - 1 && items.length > MAX_GRID) {
          cell.appendChild(el("span", "pv-extra", "+" + (items.length - MAX_GRID)));
        }
        grid.appendChild(cell);
      });
      return grid;
    }

    function linkCard(url) {
      var card = el("div", "pv-linkcard");
      var host = url.replace(/^https?:\/\//, "").split("/")[0].replace(/^www\./, "");
      card.appendChild(el("span", "pv-linkcard-host", host));
      card.appendChild(el("span", "pv-linkcard-url", shortLink(url)));
      return card;
    }

    function avatar(info, colour) {
      var box = el("span", "pv-avatar");
      box.style.background = colour;
      box.textContent = initials(info.name || info.handle);
      if (info.avatar) {
        var img = image({ src: info.avatar, alt: "" });
        img.addEventListener("error", function () {
          img.remove();
        });
        box.appendChild(img);
      }
      return box;
    }

    function textBlock(id, rule, text, prefix) {
      var block = el("div", "pv-text");
      block.dataset.testid = "preview-text";
      if (prefix) block.appendChild(el("strong", "pv-caption-name", prefix + " "));
      if (!text.trim()) {
        block.appendChild(el("span", "pv-placeholder", "Your text shows here."));
        return block;
      }
      var cut = expanded[id] ? { shown: text.trim(), cut: false } : cutText(rule, text);
      block.appendChild(styledText(rule, cut.shown));
      if (cut.cut) {
        var more = el("button", "pv-more", rule.more);
        more.type = "button";
        more.dataset.testid = "preview-more";
        more.dataset.expand = id;
        block.appendChild(more);
      }
      return block;
    }

    function card(id, media) {
      var info = account(id);
      if (!info) return null;
      var network = info.network;
      var rule = data.rules[network] || data.rules.mastodon;
      var look = data.networks[network] || { label: network, badge: "?", colour: "#6b7280" };
      var variant = field("variant_" + id);
      var main = field("text");
      var text = variant && variant.value.trim() ? variant.value : main ? main.value : "";
      var link = field("link") ? field("link").value.trim() : "";
      var name = info.name || info.handle.replace(/^@/, "").split("@")[0];

      var article = el("article", "pv-card pv-" + network + " pv-layout-" + rule.layout);
      article.dataset.testid = "preview";
      article.dataset.account = id;
      article.dataset.network = network;
      article.setAttribute("aria-label", look.label + " preview for " + info.handle);

      var head = el("div", "pv-head");
      head.appendChild(avatar({ name: name, handle: info.handle, avatar: info.avatar }, look.colour));
      var who = el("div", "pv-who");
      var nameLine = el("div", "pv-name-line");
      nameLine.appendChild(el("strong", "pv-name", rule.layout === "caption" ? info.handle.replace(/^@/, "") : name));
      if (rule.layout === "side") {
        nameLine.appendChild(el("span", "pv-handle", info.handle));
        nameLine.appendChild(el("span", "pv-time", "· now"));
      }
      who.appendChild(nameLine);
      if (rule.layout === "top") who.appendChild(el("span", "pv-time", "Now · Public"));
      head.appendChild(who);
      var badge = el("span", "net net-small pv-net", look.badge);
      badge.style.background = look.colour;
      badge.title = look.label;
      head.appendChild(badge);
      article.appendChild(head);

      var body = el("div", "pv-body");
      var spoiler = network === "mastodon" ? field("opt_" + id + "_spoiler_text") : null;
      var sensitive = network === "mastodon" ? field("opt_" + id + "_sensitive") : null;
      var hidden = false;
      if (spoiler && spoiler.value.trim()) {
        var fold = el("div", "pv-cw");
        fold.appendChild(el("span", "pv-cw-text", spoiler.value.trim()));
        var toggle = el("button", "pv-cw-toggle", expanded["cw:" + id] ? "Show less" : "Show more");
        toggle.type = "button";
        toggle.dataset.testid = "preview-cw-toggle";
        toggle.dataset.expand = "cw:" + id;
        fold.appendChild(toggle);
        body.appendChild(fold);
        hidden = !expanded["cw:" + id];
      }
      var mediaNode = mediaBlock(rule, network, media);
      if (mediaNode && sensitive && sensitive.checked && !(spoiler && spoiler.value.trim())) {
        mediaNode.classList.add("pv-sensitive");
        mediaNode.appendChild(el("span", "pv-sensitive-label", "Sensitive content"));
      }
      var actions = el("div", "pv-actions");
      rule.actions.forEach(function (label) {
        actions.appendChild(el("span", "", label));
      });

      var comment = firstComment(id, rule, info, name);
      if (rule.layout === "caption") {
        if (mediaNode) body.appendChild(mediaNode);
        body.appendChild(actions);
        body.appendChild(textBlock(id, rule, text, info.handle.replace(/^@/, "")));
        if (comment) body.appendChild(comment);
        article.appendChild(body);
        return article;
      }
      if (!hidden) {
        body.appendChild(textBlock(id, rule, text));
        if (mediaNode) body.appendChild(mediaNode);
        else if (link) body.appendChild(linkCard(link));
      }
      body.appendChild(actions);
      if (comment) body.appendChild(comment);
      article.appendChild(body);
      return article;
    }

    // The first comment (the thread editor's field), under the post on the networks that
    // take one: the thread editor lists those accounts in data-comment-accounts.
    function firstComment(id, rule, info, name) {
      var area = field("first_comment");
      var editor = document.getElementById("thread-editor");
      if (!area || !area.value.trim() || !editor) return null;
      var takers = (editor.dataset.commentAccounts || "").split(",");
      if (takers.indexOf(String(id)) === -1) return null;
      var row = el("div", "pv-comment");
      row.dataset.testid = "preview-comment";
      var who = rule.layout === "caption" ? info.handle.replace(/^@/, "") : name;
      row.appendChild(el("strong", "pv-comment-name", who + " "));
      row.appendChild(styledText(rule, area.value.trim()));
      return row;
    }

    function render() {
      var picked = [];
      form.querySelectorAll("input[name=accounts]:checked").forEach(function (box) {
        var choice = box.closest(".account-choice");
        if (!box.disabled && !(choice && choice.hidden)) picked.push(box.value);
      });
      var cards = document.createDocumentFragment();
      var media = pickedMedia();
      picked.forEach(function (id) {
        var node = card(id, media);
        if (node) cards.appendChild(node);
      });
      list.replaceChildren(cards);
      empty.hidden = picked.length > 0;
    }

    var timer = null;
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(render, 120);
    }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-expand]");
      if (!button) return;
      expanded[button.dataset.expand] = !expanded[button.dataset.expand];
      render();
    });
    render();
  }

  // For tests: the same cut as posts/previews.cut.
  window.smmPreviewCut = function (rule, text) {
    return cutText(rule, text);
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
