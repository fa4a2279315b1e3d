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

  window.NextSteps = { leave: leave };
})();
