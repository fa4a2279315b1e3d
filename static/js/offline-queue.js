// Forms marked data-offline-queue (adding an appointment) still work with no signal: the
// form is kept on this device and sent when the connection returns. Each carries a key
// made here, so sending it twice never makes two appointments.
(function () {
  "use strict";
  var KEY = "nextsteps.queue";

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* full */ }
  }
  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function showStatus(sent) {
    var banner = document.querySelector("[data-queue-banner]");
    if (!banner) return;
    var waiting = load().length;
    var status = banner.querySelector("[data-queue-status]");
    if (waiting) {
      status.textContent = banner.dataset.waiting.replace("{count}", waiting);
      banner.hidden = false;
    } else if (sent) {
      status.textContent = banner.dataset.sent;
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  }

  function marker() {
    return window.NextStepsMarker ? window.NextStepsMarker() : "";
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return;
    var current = marker();
    if (!current) return;  // not signed in here now: keep them for their own session
    // Forms queued in another session on this device are never sent into this one.
    save(load().filter(function (item) { return item.marker === current; }));
    var items = load();
    if (!items.length) return;
    flushing = true;
    var sentAny = false;
    var next = function () {
      var item = load()[0];
      if (!item) { flushing = false; showStatus(sentAny); return; }
      fetch(item.action, {
        method: "POST",
        body: new URLSearchParams(item.fields),
        credentials: "same-origin",
        redirect: "follow",
      }).then(function (response) {
        // Sent only when we land on the new appointment; a form error (400) will not get
        // better by waiting, so it goes too. Anything else (sign in again, refused) waits.
        var arrived = response.ok && response.url.indexOf("/calendar/appointments/") !== -1;
        if (arrived || response.status === 400) {
          save(load().filter(function (other) { return other.fields.client_key !== item.fields.client_key; }));
          sentAny = true;
          next();
        } else {
          flushing = false;
          showStatus(false);
        }
      }, function () { flushing = false; showStatus(false); });
    };
    next();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-offline-queue]")) return;
    var keyField = form.querySelector("[name=client_key]");
    if (keyField && !keyField.value) keyField.value = newKey();
    if (navigator.onLine) return;  // the normal way
    event.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = String(value); });
    var items = load();
    items.push({ action: form.getAttribute("action"), fields: fields, marker: marker() });
    save(items);
    form.reset();
    showStatus(false);
  });

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () { showStatus(false); flush(); });
  window.NextStepsQueue = { load: load, flush: flush };
})();
