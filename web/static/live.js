// Live updates for signed-in pages: a WebSocket to /ws tells this page when a
// request, match or circle changes. The navigation badge follows the pending
// count, and the requests, matches and circle pages re-read their content
// without a reload.
// Without this script every page still works; it just needs a reload.
(function () {
  "use strict";
  if (!("WebSocket" in window) || !window.fetch || !window.DOMParser) {
    return;
  }

  var REQUEST_EVENTS = ["request.received", "request.accepted", "request.rejected", "request.withdrawn"];
  var CIRCLE_EVENTS = ["circle.joined", "circle.left", "circle.removed", "circle.closed", "circle.changed"];
  var REFRESH_ON = {
    "/requests": REQUEST_EVENTS,
    "/matches": ["request.accepted", "match.ready", "match.closed"],
    "/circles": CIRCLE_EVENTS
  };
  var retryMs = 1000;
  var refreshWaiting = false;
  // Once a form is sent this page is on its way out: a refresh now would
  // read, and so spend, the flash meant for the page that comes next.
  var leaving = false;
  document.addEventListener("submit", function () {
    leaving = true;
  }, true);
  window.addEventListener("pageshow", function (event) {
    // Back to this page from the browser's history: it is live again.
    if (event.persisted) {
      leaving = false;
    }
  });

  function showPending(count) {
    var link = document.getElementById("nav-requests");
    if (!link) {
      return;
    }
    var badge = link.querySelector(".badge");
    if (!count) {
      if (badge) {
        badge.remove();
      }
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    badge.textContent = String(count);
    // The page says it in the reader's language, with {count} to fill in.
    var label = link.getAttribute("data-pending-label") || "{count} pending";
    badge.setAttribute("aria-label", label.replace("{count}", String(count)));
  }

  function typing(main) {
    var active = document.activeElement;
    return active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";

  // Where the keyboard's focus is inside main: the nearest element with an id
  // (a request's card, say) and the focused element's place within it.
  function focusPlace(main) {
    var active = document.activeElement;
    if (!active || active === main || !main.contains(active)) {
      return null;
    }
    var holder = active.closest("[id]");
    return {
      id: holder.id,
      index: holder === active ? -1 : Array.prototype.indexOf.call(holder.querySelectorAll(FOCUSABLE), active)
    };
  }

  // After a refresh, the focus goes back to the same place, or to the top of
  // the content when that is gone: never to the start of the page.
  function restoreFocus(main, place) {
    var holder = document.getElementById(place.id);
    var target = null;
    if (holder && holder !== main && main.contains(holder)) {
      target = place.index < 0 ? holder : holder.querySelectorAll(FOCUSABLE)[place.index];
    }
    (target || main).focus();
  }

  function refreshMain() {
    var main = document.querySelector("main");
    if (!main || leaving) {
      return;
    }
    if (typing(main)) {
      // Never pull the page from under someone typing: refresh when they leave the field.
      if (!refreshWaiting) {
        refreshWaiting = true;
        document.activeElement.addEventListener("blur", function () {
          refreshWaiting = false;
          refreshMain();
        }, { once: true });
      }
      return;
    }
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var current = document.querySelector("main");
        if (fresh && current) {
          var flash = current.querySelector(".flash");
          if (flash && !fresh.querySelector(".flash")) {
            fresh.insertBefore(flash, fresh.firstChild);
          }
          var place = focusPlace(current);
          // What the reader unfolded (a moderation form, say) stays unfolded.
          Array.prototype.forEach.call(current.querySelectorAll("details[open][id]"), function (open) {
            var same = fresh.querySelector("#" + CSS.escape(open.id));
            if (same && same.tagName === "DETAILS") {
              same.open = true;
            }
          });
          current.replaceWith(fresh);
          if (place) {
            restoreFocus(fresh, place);
          }
        }
      })
      .catch(function () { /* the next event or a reload will catch up */ });
  }

  // A circle's own page follows that circle's events only; the list of
  // circles follows all of them.
  function wanted(event) {
    var circle = location.pathname.match(/^\/circles\/([^\/]+)$/);
    if (circle) {
      return CIRCLE_EVENTS.indexOf(event.type) !== -1 && (!event.data.slug || event.data.slug === decodeURIComponent(circle[1]));
    }
    var types = REFRESH_ON[location.pathname];
    return Boolean(types) && types.indexOf(event.type) !== -1;
  }

  function onMessage(message) {
    var event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (event.counts) {
      showPending(event.counts.pending_requests);
    }
    if (wanted(event)) {
      refreshMain();
    }
    document.dispatchEvent(new CustomEvent("kindred:live", { detail: event }));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws");
    socket.addEventListener("open", function () {
      retryMs = 1000;
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function () {
      // Back off, so a server restart is not met by a stampede of reconnects.
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    });
  }

  connect();
}());
