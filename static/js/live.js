/* Pages that follow the publishing engine without a reload.
 *
 * The post page and the posts list poll with htmx (hx-trigger="every 3s" on an element
 * marked data-live, see templates/posts/_post_live_poll.html): here those requests are
 * skipped while the tab is hidden (the next tick after it shows again asks), and the
 * polling stops when its answers can no longer come.
 *
 * The calendar (window.smmCalendar, made by static/js/calendar.js) asks the calendar's
 * "changes" endpoint (content_calendar.views.changes) for a fingerprint of its visible
 * range every few seconds while the tab is visible, and refetches its events only when the
 * fingerprint changed. The first answer for a range only says how the range looks now, so
 * a range that changed about when the calendar read its events is read once more. Never
 * under a drag or while a move is being saved. */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail && event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute("data-live")) event.preventDefault();
  });

  // Stop asking when the answer can no longer come: the post is gone or out of reach (404,
  // 403), or the session ended (the question was sent to the login page). htmx stops
  // polling an element that has left the page.
  document.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail && event.detail.elt;
    const xhr = event.detail && event.detail.xhr;
    if (!elt || !xhr || !elt.hasAttribute("data-live")) return;
    const asked = new URL(elt.getAttribute("hx-get"), window.location.href).pathname;
    const answered = xhr.responseURL ? new URL(xhr.responseURL).pathname : asked;
    if (xhr.status === 403 || xhr.status === 404 || answered !== asked) elt.remove();
  });

  const CALENDAR_EVERY_MS = 4000;
  const SLACK_S = 1; // network and server time between the calendar's read of its events and ours

  function calendarConfig() {
    const node = document.getElementById("calendar-config");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function followCalendar() {
    const config = calendarConfig();
    if (!config || !config.changesUrl) return;
    let seen = { range: "", version: "" };
    let asking = false;
    // When the calendar last started fetching its events (performance.now() time; the first
    // fetch started after the page began loading, at 0).
    let fetchStarted = 0;
    let dragging = false;
    // A refetch asked by check() is under way: the range is "seen" once it has drawn.
    let refetching = false;
    const wrap = document.getElementById("calendar-wrap");

    // data-live-seen names the range whose cards are up to date as far as we know: set once
    // the first look at a range (and the refetch it may cause) is done. Tests wait for it
    // before they touch a card, so that no redraw replaces the card under the pointer.
    function markSeen(range) {
      if (wrap) wrap.dataset.liveSeen = range;
    }

    function refetch(calendar) {
      refetching = true;
      calendar.refetchEvents();
    }

    function interacting() {
      // Never redraw the cards under a drag, or while a move is being answered (calendar.js
      // marks the calendar busy and refetches by itself once the move is saved).
      return dragging || (wrap && wrap.dataset.busy);
    }

    async function check() {
      const calendar = window.smmCalendar;
      if (!calendar || document.hidden || asking || interacting()) return;
      const view = calendar.view;
      const range = new URLSearchParams({
        start: view.activeStart.toISOString(),
        end: view.activeEnd.toISOString(),
      }).toString();
      asking = true;
      const askedAt = performance.now();
      try {
        const response = await fetch(config.changesUrl + "?" + range, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!response.ok) return;
        const answer = await response.json();
        if (interacting()) return; // a drag began meanwhile: look again on the next tick
        if (range === seen.range) {
          if (answer.version !== seen.version) refetch(calendar);
        } else if (answer.age !== null && answer.age < (askedAt - fetchStarted) / 1000 + SLACK_S) {
          // First look at this range, and it changed about when the calendar read its events:
          // whether those events show the change is not known, so read them once more.
          refetch(calendar);
        }
        seen = { range: range, version: answer.version };
        if (!refetching) markSeen(range);
      } catch (e) {
        // offline for a moment: ask again on the next tick
      } finally {
        asking = false;
      }
    }

    function start() {
      const calendar = window.smmCalendar;
      if (!calendar) return false;
      calendar.on("eventDragStart", function () {
        dragging = true;
      });
      calendar.on("eventDragStop", function () {
        dragging = false;
      });
      calendar.on("loading", function (isLoading) {
        if (isLoading) {
          fetchStarted = performance.now();
        } else if (refetching) {
          refetching = false;
          markSeen(seen.range);
        }
      });
      // A new range (another month, week or view): learn its fingerprint right away.
      calendar.on("datesSet", function () {
        if (wrap) delete wrap.dataset.liveSeen;
        check();
      });
      check();
      setInterval(check, CALENDAR_EVERY_MS);
      document.addEventListener("visibilitychange", function () {
        if (!document.hidden) check();
      });
      return true;
    }

    // calendar.js builds the calendar on DOMContentLoaded too; wait for it if it is not there yet.
    if (!start()) {
      let tries = 0;
      const wait = setInterval(function () {
        tries += 1;
        if (start() || tries > 50) clearInterval(wait);
      }, 100);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", followCalendar);
  } else {
    followCalendar();
  }
})();
