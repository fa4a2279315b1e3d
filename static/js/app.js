// Next Steps page behaviour. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  // "Leave this site quickly", in the manner of GOV.UK's Exit this page: hide the page at
  // once, then replace this history entry with the neutral site so Back does not return.
  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 5000;

  function neutralUrl() {
    var link = document.querySelector("[data-quick-exit]");
    return link ? link.href : "about:blank";
  }

  function leave(event) {
    if (event) event.preventDefault();
    document.documentElement.classList.add("leaving");
    document.body.hidden = true;
    document.title = "";
    window.location.replace(neutralUrl());
  }

  var presses = 0;
  var timer = null;
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      presses = 0;
      return;
    }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { presses = 0; }, SHIFT_WINDOW_MS);
    if (presses >= SHIFT_PRESSES) leave();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (link) leave(event);
  });

  // Read aloud with the browser's own speech, in the page's language; hidden where the
  // browser cannot speak.
  function setUpTools() {
    var tools = document.querySelector("[data-tools]");
    if (!tools) return;
    tools.hidden = false;
    var reader = tools.querySelector("[data-read-aloud]");
    if (reader && !("speechSynthesis" in window)) reader.hidden = true;
    if (reader && "speechSynthesis" in window) {
      var startLabel = reader.textContent;
      reader.addEventListener("click", function () {
        if (window.speechSynthesis.speaking) {
          window.speechSynthesis.cancel();
          reader.textContent = startLabel;
          return;
        }
        var source = document.querySelector("[data-read-source]");
        var article = source.closest("[lang]");
        var utterance = new SpeechSynthesisUtterance(source.innerText);
        utterance.lang = (article || document.documentElement).lang;
        utterance.onend = function () { reader.textContent = startLabel; };
        reader.textContent = reader.dataset.stopLabel;
        window.speechSynthesis.speak(utterance);
      });
    }
  }

  // Printing shows every glossary meaning, open or not.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("DOMContentLoaded", setUpTools);

  // Print buttons (recovery codes, questions, explainers) only where printing is possible.
  if (window.print) {
    document.querySelectorAll("[data-print]").forEach(function (button) { button.hidden = false; });
  }

  // After a form error, move focus to the summary so screen readers hear it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  // Signed out: forget private copies here too (Clear-Site-Data asks the browser to), and
  // tell the service worker, which drops its private caches when it hears this.
  var signedOut = document.querySelector("[data-signed-out]");
  if (signedOut) {
    var signal = { type: signedOut.getAttribute("data-signed-out") };
    try { window.localStorage.clear(); window.sessionStorage.clear(); } catch (e) { /* blocked */ }
    if ("BroadcastChannel" in window) {
      var channel = new BroadcastChannel("next-steps");
      channel.postMessage(signal);
      channel.close();
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage(signal);
    }
    if (window.caches) {
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("private") === 0;
        }).map(function (name) { return caches.delete(name); }));
      }).then(function () { document.documentElement.setAttribute("data-private-cleared", ""); });
    }
  }

  window.NextSteps = { leave: leave };
})();
