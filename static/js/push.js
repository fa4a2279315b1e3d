// Turning notifications on or off for this device, on /account/notifications.
// The CSRF token comes from <body hx-headers> (the page declares csrf_protected).
(function () {
  "use strict";
  var root = document.querySelector("[data-push]");
  if (!root) return;
  var status = root.querySelector("[data-push-status]");
  var onButton = root.querySelector("[data-push-on]");
  var offButton = root.querySelector("[data-push-off]");
  var keepBox = root.querySelector("#f-keep");

  function withKeep(subscription) {
    var body = subscription.toJSON();
    body.keep = !!(keepBox && keepBox.checked);
    return body;
  }

  function say(name) { status.textContent = root.getAttribute("data-msg-" + name) || ""; }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || "";
    } catch (error) {
      return "";
    }
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrftoken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error("server said " + response.status);
      return response.json();
    });
  }

  function show(subscribed) {
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
    say(subscribed ? "on" : "off");
  }

  function reloadSoon() {
    // The list of devices below is the server's: show it as it now is.
    window.location.reload();
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }
  // The iPhone steps matter only on an iPhone or iPad not yet opened from the home screen.
  var apple = /iPhone|iPad|iPod/.test(navigator.userAgent);
  var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  var ios = document.querySelector("[data-push-ios]");
  if (ios && apple && !standalone) ios.classList.add("notice--warning");

  navigator.serviceWorker.ready.then(function (registration) {
    return registration.pushManager.getSubscription().then(function (subscription) {
      show(!!subscription && Notification.permission === "granted");

      onButton.addEventListener("click", function () {
        onButton.disabled = true;
        Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") {
            say("denied");
            return null;
          }
          return registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(root.getAttribute("data-public-key")),
          }).then(function (made) {
            return post(root.getAttribute("data-subscribe"), withKeep(made));
          }).then(reloadSoon);
        }).catch(function () {
          say("failed");
        }).then(function () {
          onButton.disabled = false;
        });
      });

      // Ticking or unticking "keep reminders on this phone" tells the server at once.
      if (keepBox) keepBox.addEventListener("change", function () {
        registration.pushManager.getSubscription().then(function (current) {
          if (current) return post(root.getAttribute("data-subscribe"), withKeep(current));
          return null;
        }).catch(function () { say("failed"); });
      });

      offButton.addEventListener("click", function () {
        offButton.disabled = true;
        registration.pushManager.getSubscription().then(function (current) {
          if (!current) return null;
          return post(root.getAttribute("data-unsubscribe"), { endpoint: current.endpoint })
            .then(function () { return current.unsubscribe(); });
        }).then(reloadSoon).catch(function () {
          say("failed");
          offButton.disabled = false;
        });
      });
    });
  });
})();
