/* The content calendar: FullCalendar fed by the calendar app's JSON endpoint.
 *
 * The view, period, filters and colour mode live in the query string (replaceState),
 * so a copied link reopens the same calendar. Times are drawn in the user's named time
 * zone (FullCalendar's Luxon plugin); the server sends offset ISO strings in that zone. */
(function () {
  "use strict";

  const VIEW_TYPES = { month: "dayGridMonth", week: "timeGridWeek", list: "listMonth" };
  const VIEW_NAMES = Object.fromEntries(Object.entries(VIEW_TYPES).map(([k, v]) => [v, k]));
  const FILTERS = ["brand", "account", "network", "campaign", "state", "author"];
  const NARROW_PX = 700; // below this width the calendar opens in the list view (static/css/calendar.css agrees)

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const box = document.getElementById("calendar-toast");
    box.textContent = message;
    box.className = "toast toast-" + (kind || "info");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 9000 : 5000);
  }

  function init() {
    const root = document.getElementById("calendar");
    if (!root || !window.FullCalendar) return;
    const config = JSON.parse(document.getElementById("calendar-config").textContent);
    // label, badge and colour of each network, from the one table (smm.platforms.registry)
    const NETWORKS = config.networks || {};
    const form = document.getElementById("calendar-filters");
    const wrap = document.getElementById("calendar-wrap");

    function filterParams() {
      const params = {};
      for (const name of FILTERS) {
        const value = form.elements[name] && form.elements[name].value;
        if (value) params[name] = value;
      }
      return params;
    }
    function colourMode() {
      const checked = form.querySelector("input[name=colour]:checked");
      return checked ? checked.value : "brand";
    }

    function syncUrl() {
      const url = new URL(window.location.href);
      const keep = url.searchParams.get("subscribe");
      url.search = "";
      url.searchParams.set("view", VIEW_NAMES[calendar.view.type] || "month");
      url.searchParams.set("date", calendar.formatIso(calendar.getDate(), true));
      for (const [k, v] of Object.entries(filterParams())) url.searchParams.set(k, v);
      if (colourMode() !== "brand") url.searchParams.set("colour", colourMode());
      if (keep) url.searchParams.set("subscribe", keep);
      form.elements.view.value = VIEW_NAMES[calendar.view.type] || "month";
      form.elements.date.value = calendar.formatIso(calendar.getDate(), true);
      window.history.replaceState(null, "", url);
    }

    function describe(props, timeText, title) {
      const lines = [
        props.brand.name + " · " + props.statusLabel,
        "Your time: " + timeText + " (" + config.timeZone + ")",
      ];
      if (props.held) lines.splice(1, 0, props.heldReason);
      if (props.brandTime) lines.push("Brand time: " + props.brandTime.label + " (" + props.brandTime.name + ")");
      lines.push(props.accounts.map((a) => (NETWORKS[a.network] || {}).label + " " + a.handle).join(", ") || "No account");
      if (props.campaign) lines.push("Campaign: " + props.campaign);
      if (props.author) lines.push("By " + props.author);
      lines.push("", title);
      return lines.join("\n");
    }

    // The feed sends each brand's, account's, campaign's and author's details once; a post
    // card refers to them by id. Join them here, once per fetch, into what the cards draw.
    function hydrate(content) {
      const noBrand = { id: null, name: "", colour: "#6b7280", timeZone: config.timeZone };
      for (const event of content.events) {
        const props = event.extendedProps;
        if (props.kind !== "post") continue;
        const brand = content.brands[props.brandId] || noBrand;
        event.editable = content.editable;
        event.classNames = ["post-card", "state-" + props.status];
        props.url = content.postUrl ? content.postUrl.replace("{id}", props.postId) : "";
        props.statusLabel = content.statusLabels[props.status] || props.status;
        if (props.held) {
          // Its brand is paused: the card must not read "Scheduled" as if it will go out.
          event.classNames.push("held");
          props.statusLabel = content.heldLabel;
          props.heldReason = content.heldReasons[props.brandId] || "";
        }
        props.brand = brand;
        props.brandTime = props.brandTime ? { name: brand.timeZone, label: props.brandTime } : null;
        props.accounts = props.accountIds.map((id) => content.accounts[id]).filter(Boolean);
        props.campaign = props.campaignId ? content.campaigns[props.campaignId] || "" : "";
        props.author = props.authorId ? content.authors[props.authorId] || "" : "";
      }
      return content.events;
    }

    function postCard(arg) {
      const props = arg.event.extendedProps;
      const card = el("div", "pc");
      const head = el("div", "pc-head");
      head.appendChild(el("time", "pc-time", arg.timeText));
      const nets = el("span", "pc-nets");
      for (const network of props.networks) {
        const info = NETWORKS[network] || { badge: network.slice(0, 2), label: network, colour: "#6b7280" };
        const icon = el("span", "pc-net net-" + network, info.badge);
        icon.title = info.label;
        icon.style.background = info.colour;
        nets.appendChild(icon);
      }
      head.appendChild(nets);
      card.appendChild(head);
      const body = el("div", "pc-body");
      if (props.thumbnail) {
        const img = el("img", "pc-thumb");
        img.src = props.thumbnail;
        img.alt = "";
        img.loading = "lazy";
        body.appendChild(img);
      }
      body.appendChild(el("span", "pc-text", arg.event.title));
      card.appendChild(body);
      const foot = el("div", "pc-foot");
      foot.appendChild(el("span", "pc-brand", config.brandFiltered ? "" : props.brand.name));
      foot.appendChild(el("span", "pc-state " + (props.held ? "held" : "state-" + props.status), props.statusLabel));
      card.appendChild(foot);
      return { domNodes: [card] };
    }

    // A phone gets the list (an agenda it can read) unless the address asked for a view;
    // the address keeps the view once the page has loaded, so a reload stays where it was.
    const narrow = window.matchMedia("(max-width: " + NARROW_PX + "px)").matches;
    const askedView = new URLSearchParams(window.location.search).has("view");
    const initialView = narrow && !askedView ? VIEW_TYPES.list : config.initialView;

    let calendar = null;
    calendar = new FullCalendar.Calendar(root, {
      timeZone: config.timeZone,
      initialView: initialView,
      initialDate: config.initialDate || undefined,
      firstDay: 1,
      locale: "en-gb",
      headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listMonth" },
      buttonText: { today: "Today", month: "Month", week: "Week", list: "List" },
      height: "auto",
      dayMaxEvents: 4,
      eventDisplay: "block",
      nowIndicator: true,
      lazyFetching: false,
      editable: config.canSchedule,
      eventDurationEditable: false,
      defaultTimedEventDuration: "01:00",
      // A post is a moment: the feed's end only sizes its card (never past its day's midnight),
      // so no view prints "23:30 - 00:00" and no card reaches into the next day's cell.
      displayEventEnd: false,
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      views: {
        timeGridWeek: {
          scrollTime: "07:00:00",
          // seven columns on a phone: "Mon 7" fits, "Mon 7 Dec" breaks over three lines
          dayHeaderFormat: narrow ? { weekday: "short", day: "numeric" } : { weekday: "short", day: "numeric", month: "short" },
        },
        listMonth: { noEventsContent: "Nothing planned in this period." },
      },
      events: {
        url: config.eventsUrl,
        // Slots are always asked for (the first fetch starts before the view exists);
        // the month grid hides them in CSS, the list view ignores background events.
        extraParams: () => Object.assign(filterParams(), { slots: "1" }),
        success: (content) => hydrate(content),
        failure: () => toast("The calendar could not be loaded. Reload the page to try again.", "error"),
      },
      loading: (isLoading) => {
        wrap.classList.toggle("is-loading", isLoading);
        if (!isLoading) delete wrap.dataset.busy; // a move is settled once the cards are redrawn
      },
      datesSet: () => syncUrl(),
      // The week scrolls inside a fixed height (the working day first); month and list grow.
      viewDidMount: (arg) => {
        const timed = arg.view.type.startsWith("timeGrid");
        calendar.setOption("height", timed ? 820 : "auto");
        if (timed) requestAnimationFrame(() => calendar.scrollToTime("07:00:00"));
      },
      eventContent: (arg) => (arg.event.extendedProps.kind === "post" ? postCard(arg) : true), // true: FullCalendar's own
      eventDidMount: (info) => {
        const props = info.event.extendedProps;
        if (props.kind !== "post") {
          info.el.title = info.event.title;
          info.el.style.setProperty("--banner", info.event.backgroundColor || "#6b7280");
          return;
        }
        const network = NETWORKS[props.networks[0]];
        info.el.style.setProperty("--brand", props.brand.colour);
        info.el.style.setProperty("--net", network ? network.colour : props.brand.colour);
        info.el.title = describe(props, info.timeText, info.event.title);
        if (info.isMirror) return; // the copy that follows the pointer while dragging is not a card
        info.el.dataset.postId = props.postId;
        info.el.dataset.testid = "post-card";
      },
      eventClick: (info) => {
        const props = info.event.extendedProps;
        if (props.kind === "post" && props.url) {
          info.jsEvent.preventDefault();
          window.location.href = props.url;
        }
      },
      dateClick: (info) => {
        if (!config.canWrite || !config.composerUrl) return;
        let at = info.dateStr;
        if (info.allDay) {
          // A day, not a time: propose nine in the morning of that day, in the user's zone.
          at = luxon.DateTime.fromISO(info.dateStr + "T09:00", { zone: config.timeZone }).toISO({ suppressMilliseconds: true });
        }
        const url = new URL(config.composerUrl, window.location.href);
        const brand = form.elements.brand.value;
        if (brand) url.searchParams.set("brand", brand);
        url.searchParams.set("at", at);
        window.location.href = url.toString();
      },
      // A timed post dropped on the week view's all-day row would lose its time.
      eventAllow: (dropInfo) => !(dropInfo.allDay && calendar.view.type.startsWith("timeGrid")),
      eventDrop: (info) => reschedule(info),
    });

    async function reschedule(info) {
      const props = info.event.extendedProps;
      const url = config.rescheduleUrl.replace("/0/reschedule/", "/" + props.postId + "/reschedule/");
      let reply = null;
      wrap.dataset.busy = "1";
      try {
        const response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken, Accept: "application/json" },
          body: JSON.stringify({ start: info.event.startStr }),
        });
        reply = await response.json().catch(() => null);
        if (!response.ok || !reply || !reply.ok) {
          throw new Error((reply && reply.error) || "The server refused the move (" + response.status + ").");
        }
      } catch (err) {
        info.revert();
        toast("Not moved: " + err.message, "error");
        // Redraw from the server, the source of truth, so nothing of the refused move lingers.
        calendar.refetchEvents();
        return;
      }
      toast(reply.message, "success");
      calendar.refetchEvents(); // the state may have changed (back to approval), slots too
    }

    form.addEventListener("change", (event) => {
      if (event.target.name === "colour") {
        wrap.classList.toggle("colour-by-network", colourMode() === "network");
        wrap.classList.toggle("colour-by-brand", colourMode() !== "network");
      } else {
        config.brandFiltered = Boolean(form.elements.brand.value);
        calendar.refetchEvents();
      }
      syncUrl();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      calendar.refetchEvents();
    });

    config.brandFiltered = Boolean(form.elements.brand.value);
    calendar.render();
    // Other scripts (live state updates) reach the calendar here to refetch its events.
    window.smmCalendar = calendar;
  }

  function panels() {
    for (const button of document.querySelectorAll("[data-toggle-panel]")) {
      button.addEventListener("click", () => {
        const panel = document.getElementById(button.dataset.togglePanel);
        panel.hidden = !panel.hidden;
      });
    }
    for (const button of document.querySelectorAll("[data-copy]")) {
      button.addEventListener("click", async () => {
        const input = document.getElementById(button.dataset.copy);
        input.select();
        try {
          await navigator.clipboard.writeText(input.value);
          button.textContent = "Copied";
        } catch (err) {
          document.execCommand("copy");
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    panels();
    init();
  });
})();
