// Live pages (a stream's map, its board) refresh their live parts in place
// every few seconds, as a progressive enhancement: without JavaScript the
// page has a Reload link instead. Updates can be paused (WCAG 2.2.2), and
// stop while the tab is hidden. A part that holds the keyboard focus is
// left alone until the focus moves on, so nobody loses their place. No
// inline script: the CSP allows only scripts served by svcflow itself.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-every]");
  if (!root || !window.fetch || !window.DOMParser) {
    return;
  }
  var every = Math.max(5, Number(root.getAttribute("data-live-every")) || 30) * 1000;
  var button = document.getElementById("live-toggle");
  var status = document.getElementById("live-status");
  var running = true;
  var timer = null;
  var inFlight = false;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function refresh() {
    if (inFlight) {
      return;
    }
    inFlight = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (res.redirected) {
          // Sent to sign in: the session ended.
          running = false;
          throw new Error("signed out; reload the page");
        }
        if (!res.ok) {
          throw new Error("HTTP " + res.status);
        }
        return res.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var updated = 0;
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var next = el.id && fresh.getElementById(el.id);
          if (next && !el.contains(document.activeElement)) {
            el.replaceWith(document.importNode(next, true));
            updated++;
          }
        });
        say(updated ? "Updated at " + new Date().toLocaleTimeString() : "Not updated: the page changed; reload it.");
      })
      .catch(function (err) {
        say("Could not update (" + err.message + ").");
      })
      .then(function () {
        inFlight = false;
        schedule();
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = running && !document.hidden ? setTimeout(refresh, every) : null;
  }

  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      running = !running;
      button.setAttribute("aria-pressed", running ? "true" : "false");
      button.textContent = running ? "Pause live updates" : "Resume live updates";
      say(running ? "Live updates on." : "Live updates paused.");
      if (running) {
        refresh();
      } else {
        schedule();
      }
    });
  }
  document.addEventListener("visibilitychange", schedule);
  schedule();
})();
