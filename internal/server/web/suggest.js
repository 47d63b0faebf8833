// The portal's "report a problem" form suggests published articles as the
// requester types, as a progressive enhancement: without JavaScript the
// form's "Look for an answer first" button does the same. When they send
// the form after seeing suggestions, the hidden suggestions_seen field says
// so, which counts the submission for deflection (SPEC §3).
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest]");
  var box = document.getElementById("typed-suggestions");
  if (!form || !box || !window.fetch) {
    return;
  }
  var fields = [form.querySelector("[name=title]"), form.querySelector("[name=description]")];
  var seen = form.querySelector("[name=suggestions_seen]");
  var timer = null;
  var last = "";

  // The title and the start of the details are enough to find articles
  // by; the server looks at no more than that either.
  function text() {
    var title = fields[0] ? fields[0].value.trim() : "";
    var details = fields[1] ? fields[1].value.trim().slice(0, 300) : "";
    return (title + " " + details).trim();
  }

  function look() {
    var q = text();
    if (q.length < 3 || q === last) {
      return;
    }
    last = q;
    fetch("/portal/suggestions?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("HTTP " + res.status);
        }
        return res.text();
      })
      .then(function (html) {
        if (q !== last) {
          return; // an answer for older text
        }
        var part = new DOMParser().parseFromString(html, "text/html");
        box.replaceChildren.apply(box, Array.prototype.map.call(part.body.childNodes, function (n) {
          return document.importNode(n, true);
        }));
        box.hidden = false;
        if (seen && box.querySelector("article")) {
          seen.value = "1";
        }
      })
      .catch(function () {
        last = ""; // try again on the next keystroke
      });
  }

  fields.forEach(function (f) {
    if (f) {
      f.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(look, 400);
      });
    }
  });
})();
