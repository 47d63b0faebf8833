// Live pages (a stream's map, its board) refresh their live parts in place
// every few seconds, as a progressive enhancement: without JavaScript the
// page has a Reload link instead. Updates can be paused (WCAG 2.2.2), and
// stop while the tab is hidden. No inline script: the CSP allows only
// scripts served by svcflow itself.
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

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("HTTP " + res.status);
        }
        return res.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var next = el.id && fresh.getElementById(el.id);
          if (next) {
            el.replaceWith(document.importNode(next, true));
          }
        });
        say("Updated at " + new Date().toLocaleTimeString());
      })
      .catch(function (err) {
        say("Could not update (" + err.message + "); will try again.");
      });
  }

  function schedule() {
    clearInterval(timer);
    timer = running && !document.hidden ? setInterval(refresh, every) : null;
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
      }
      schedule();
    });
  }
  document.addEventListener("visibilitychange", schedule);
  schedule();
})();
