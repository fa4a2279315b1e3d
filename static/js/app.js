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
    var go = function () { window.location.replace(neutralUrl()); };
    // Private copies go too, but leaving never waits more than a moment for that.
    if (window.caches) {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "quick-exit" });
      }
      // Share packs too: a pack's title can say what someone fears.
      var forget = Promise.all([caches.delete("private"), caches.delete("packs")]);
      Promise.race([forget, new Promise(function (r) { setTimeout(r, 150); })])
        .then(go, go);
    } else {
      go();
    }
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
  // browser cannot speak. Where the phone has no voice for the language, it says so
  // plainly rather than offer a button that would read in silence or in the wrong accent.
  var VOICE_WAIT_MS = 2000;

  function primary(tag) {
    return String(tag || "").toLowerCase().replace("_", "-").split("-")[0];
  }

  function hasVoiceFor(lang) {
    var wanted = primary(lang);
    return window.speechSynthesis.getVoices().some(function (voice) {
      return primary(voice.lang) === wanted;
    });
  }

  function setUpReader(reader, noVoice) {
    var source = document.querySelector("[data-read-source]");
    var article = source && source.closest("[lang]");
    var lang = (article || document.documentElement).lang;
    var startLabel = reader.textContent;
    var decided = false;

    function decide(final) {
      var ok = hasVoiceFor(lang);
      if (!ok && !final) return;
      decided = true;
      reader.hidden = !ok;
      if (noVoice) noVoice.hidden = ok;
    }
    // Chrome loads its voices after the page; some browsers never say they changed.
    reader.hidden = true;
    window.speechSynthesis.addEventListener("voiceschanged", function () { decide(decided); });
    decide(false);
    setTimeout(function () { if (!decided) decide(true); }, VOICE_WAIT_MS);

    reader.addEventListener("click", function () {
      if (window.speechSynthesis.speaking) {
        window.speechSynthesis.cancel();
        reader.textContent = startLabel;
        return;
      }
      var utterance = new SpeechSynthesisUtterance(source.innerText);
      utterance.lang = lang;
      var voice = window.speechSynthesis.getVoices().filter(function (v) {
        return primary(v.lang) === primary(lang);
      })[0];
      if (voice) utterance.voice = voice;
      utterance.onend = function () { reader.textContent = startLabel; };
      reader.textContent = reader.dataset.stopLabel;
      window.speechSynthesis.speak(utterance);
    });
  }

  function setUpTools() {
    var tools = document.querySelector("[data-tools]");
    if (!tools) return;
    tools.hidden = false;
    var reader = tools.querySelector("[data-read-aloud]");
    if (reader && !("speechSynthesis" in window)) reader.hidden = true;
    if (reader && "speechSynthesis" in window) {
      setUpReader(reader, document.querySelector("[data-no-voice]"));
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

  // An error summary's link goes to its field with the field's label in view, clear of the
  // sticky bar (the page's scroll-padding), as GOV.UK's error summary does.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var input = target.matches("input, select, textarea") ? target
      : target.querySelector("input, select, textarea") || target;
    var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    var label = (input.id && document.querySelector("label[for='" + input.id + "']")) || legend;
    var top = label && label.getBoundingClientRect().top < input.getBoundingClientRect().top ? label : input;
    event.preventDefault();
    top.scrollIntoView({ block: "start" });
    // A long label or hint on a small screen: the field itself comes first.
    var box = input.getBoundingClientRect();
    if (box.bottom > window.innerHeight) {
      input.scrollIntoView({ block: box.height > window.innerHeight / 2 ? "start" : "end" });
    }
    input.focus({ preventScroll: true });
  });

  // The sticky bar's real height, so nothing scrolled to or focused is left under it.
  var bar = document.querySelector("[data-quick-exit-bar]");
  if (bar) {
    var measure = function () {
      // On the narrowest screens the bar is only its button (the bar box is `contents`).
      var sticky = bar.offsetHeight ? bar : bar.querySelector("[data-quick-exit]");
      document.documentElement.style.setProperty("--quick-exit-height", sticky.offsetHeight + "px");
    };
    measure();
    if ("ResizeObserver" in window) {
      var watcher = new ResizeObserver(measure);
      watcher.observe(bar);
      watcher.observe(bar.querySelector("[data-quick-exit]"));
    }
  }

  // The language control: without JavaScript a link to the list of languages; with it, it
  // opens the list here.
  var toggle = document.querySelector("[data-language-toggle]");
  var languages = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && languages) {
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", "false");
    var setOpen = function (open) {
      languages.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      setOpen(languages.hidden);
    });
    toggle.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); setOpen(languages.hidden); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !languages.hidden) { setOpen(false); toggle.focus(); }
    });
  }

  // Questions kept on this device (before signing in) can join the signed-in parent's
  // account, with their appointment; the same id as key means sending twice adds one.
  var QUESTIONS = "nextsteps.questions";
  function deviceQuestions() {
    try {
      var items = JSON.parse(localStorage.getItem(QUESTIONS) || "[]");
      return Array.isArray(items) ? items.filter(function (item) { return !item.done; }) : [];
    } catch (e) { return []; }
  }
  function forgetDeviceQuestion(id) {
    try {
      var items = JSON.parse(localStorage.getItem(QUESTIONS) || "[]");
      localStorage.setItem(QUESTIONS, JSON.stringify(items.filter(function (item) { return item.id !== id; })));
    } catch (e) { /* nothing kept */ }
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; } catch (e) { return ""; }
  }
  var lang = document.documentElement.getAttribute("lang") || "en";
  window.NextStepsKeepQuestion = function (item) {
    var body = new URLSearchParams({ text: item.text, about: item.about || "",
      appointment_id: item.appointment || "", client_key: item.id });
    return fetch("/" + lang + "/questions/keep", {
      method: "POST", body: body, headers: { "x-csrftoken": csrfToken() },
      credentials: "same-origin", redirect: "manual",
    }).then(function (response) { return response.ok; }, function () { return false; });
  };
  function keepAll() {
    return Promise.all(deviceQuestions().map(function (item) {
      return window.NextStepsKeepQuestion(item).then(function (kept) {
        if (kept) forgetDeviceQuestion(item.id);
        return kept;
      });
    }));
  }
  var offer = document.querySelector("[data-device-questions-offer]");
  if (offer && offer.dataset.owner === "yes" && deviceQuestions().length) {
    offer.querySelector("[data-offer-text]").textContent =
      offer.dataset.template.replace("{count}", String(deviceQuestions().length));
    offer.hidden = false;
    offer.querySelector("[data-keep-device-questions]").addEventListener("click", function () {
      keepAll().then(function () {
        offer.querySelector("[data-offer-text]").textContent = offer.dataset.done;
        offer.querySelector("[data-keep-device-questions]").hidden = true;
      });
    });
  }
  // Signing out clears this device: say so first when questions are kept only here, and
  // offer to keep them with the account.
  var signOut = document.querySelector("[data-sign-out-form]");
  var warning = document.querySelector("[data-sign-out-questions]");
  if (signOut && warning && warning.dataset.owner === "yes") {
    signOut.addEventListener("submit", function (event) {
      if (signOut.dataset.confirmed || !deviceQuestions().length) return;
      event.preventDefault();
      if (offer) offer.hidden = true;  // one question at a time
      warning.querySelector("[data-sign-out-text]").textContent =
        warning.dataset.template.replace("{count}", String(deviceQuestions().length));
      warning.hidden = false;
      warning.focus();
      warning.querySelector("[data-keep-and-sign-out]").onclick = function () {
        keepAll().then(function () { signOut.dataset.confirmed = "yes"; signOut.submit(); });
      };
      warning.querySelector("[data-sign-out-anyway]").onclick = function () {
        signOut.dataset.confirmed = "yes";
        signOut.submit();
      };
    });
  }

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

  // The service worker: offline copies of what the parent has seen, and of every guide in
  // their language unless they have asked us to save data.
  var DATA_SAVER = "nextsteps.dataSaver";
  var updateAsked = false;
  function dataSaver() {
    try { return localStorage.getItem(DATA_SAVER) === "on"; } catch (e) { return false; }
  }

  function showUpdate(registration) {
    var banner = document.querySelector("[data-update-banner]");
    if (!banner) return;
    banner.hidden = false;
    banner.querySelector("[data-update-now]").addEventListener("click", function () {
      updateAsked = true;
      if (registration.waiting) registration.waiting.postMessage({ type: "skip-waiting" });
    });
  }

  function showSavedAge() {
    var saved = document.documentElement.getAttribute("data-saved-at");
    var banner = document.querySelector("[data-saved-banner]");
    if (!saved || !banner) return;
    var minutes = Math.round((Date.parse(saved) - Date.now()) / 60000);
    var lang = document.documentElement.lang;
    var format = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    var age = Math.abs(minutes) < 60 ? format.format(minutes, "minute")
      : Math.abs(minutes) < 60 * 48 ? format.format(Math.round(minutes / 60), "hour")
      : format.format(Math.round(minutes / 1440), "day");
    var text = banner.querySelector("p");
    text.textContent = text.textContent.replace("{age}", age);
    banner.hidden = false;
  }

  if ("serviceWorker" in navigator) {
    var refreshing = false;
    var hadController = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      // The first worker taking control is not an update: no reload (it would cost data).
      if (refreshing) return;
      if (!hadController && !updateAsked) { hadController = true; return; }
      refreshing = true;
      window.location.reload();
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "precached") document.documentElement.setAttribute("data-precached", data.locale);
      if (data.type === "private-cleared") document.documentElement.setAttribute("data-private-cleared", "");
      if (data.type === "pack-kept") document.documentElement.setAttribute("data-pack-kept", data.path);
    });
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
      if (registration.waiting && navigator.serviceWorker.controller) showUpdate(registration);
      registration.addEventListener("updatefound", function () {
        var worker = registration.installing;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed" && navigator.serviceWorker.controller) showUpdate(registration);
        });
      });
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // A share pack keeps itself, even on the first visit (before the worker was there).
      if (document.querySelector("[data-keep-offline]")) {
        registration.active.postMessage({ type: "keep-pack", path: window.location.pathname });
      }
      if (!dataSaver()) {
        registration.active.postMessage({ type: "precache", locale: document.documentElement.lang });
      }
    }).catch(function () { /* no worker: the site still works online */ });
  }

  // No session marker means nobody is signed in here (any more): a private copy from an
  // earlier session is never shown, and is deleted.
  function signedInMarker() {
    var match = document.cookie.match(/(?:^|; )ns_here=([^;]+)/);
    if (!match) return "";
    var ends = Number(match[1].split(".").pop()) * 1000;
    return ends > Date.now() ? match[1] : "";  // a session past its end is no session
  }
  if (!signedInMarker()) {
    if (document.documentElement.hasAttribute("data-saved-at")) {
      var main = document.querySelector("main");
      if (main) main.textContent = "";
      window.location.replace("/offline");
    }
    if (window.caches) caches.delete("private");
  }
  window.NextStepsMarker = signedInMarker;

  document.addEventListener("DOMContentLoaded", showSavedAge);

  // The data saver switch on the install page.
  document.addEventListener("DOMContentLoaded", function () {
    var saver = document.querySelector("[data-data-saver]");
    if (!saver) return;
    saver.closest("[data-needs-js]").hidden = false;
    saver.checked = dataSaver();
    saver.addEventListener("change", function () {
      try { localStorage.setItem(DATA_SAVER, saver.checked ? "on" : "off"); } catch (e) { /* full */ }
      var status = document.querySelector("[data-data-saver-status]");
      if (status) status.textContent = saver.checked ? status.dataset.on : status.dataset.off;
    });
  });

  // Forms that need the server (reading a letter): offline, say so rather than fail.
  document.addEventListener("DOMContentLoaded", function () {
    var note = document.querySelector("[data-offline-note]");
    var forms = document.querySelectorAll("form[data-needs-connection]");
    if (!note || !forms.length) return;
    var show = function () { note.hidden = navigator.onLine; };
    window.addEventListener("online", show);
    window.addEventListener("offline", show);
    show();
    forms.forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine) return;
        event.preventDefault();
        note.hidden = false;
        note.focus();
      });
    });
  });

  window.NextSteps = { leave: leave };
})();
