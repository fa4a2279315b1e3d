// Passkeys (WebAuthn): sign in, and add one to an account. Shown only where the browser
// supports them; the server makes the options and checks every answer.
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrftoken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "");
        return data;
      });
    });
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    if (credential.authenticatorAttachment) {
      out.authenticatorAttachment = credential.authenticatorAttachment;
    }
    return out;
  }

  function showError(box, message) {
    var error = box.querySelector("[data-passkey-error]");
    error.textContent = message || box.getAttribute("data-fallback-error") || "";
    error.hidden = false;
  }

  function setUp(box, ceremony) {
    box.hidden = false;
    box.querySelector("button").addEventListener("click", function () {
      var csrf = box.getAttribute("data-csrf");
      post(box.getAttribute("data-options"), csrf)
        .then(ceremony)
        .then(function (body) {
          body.csrf = undefined;
          return post(box.getAttribute("data-finish"), csrf, body);
        })
        .then(function (result) { window.location.assign(result.next); })
        .catch(function (error) { showError(box, error && error.message); });
    });
  }

  var signIn = document.querySelector("[data-passkey-sign-in]");
  if (signIn) {
    setUp(signIn, function (options) {
      var publicKey = Object.assign({}, options, { challenge: toBytes(options.challenge) });
      publicKey.allowCredentials = (options.allowCredentials || []).map(function (c) {
        return Object.assign({}, c, { id: toBytes(c.id) });
      });
      return navigator.credentials.get({ publicKey: publicKey }).then(function (credential) {
        var shared = document.querySelector("input[name=shared_device]");
        return {
          credential: credentialJSON(credential),
          shared_device: Boolean(shared && shared.checked),
          next: signIn.getAttribute("data-next") || ""
        };
      });
    });
  }

  var add = document.querySelector("[data-passkey-add]");
  if (add) {
    setUp(add, function (options) {
      var publicKey = Object.assign({}, options, {
        challenge: toBytes(options.challenge),
        user: Object.assign({}, options.user, { id: toBytes(options.user.id) })
      });
      publicKey.excludeCredentials = (options.excludeCredentials || []).map(function (c) {
        return Object.assign({}, c, { id: toBytes(c.id) });
      });
      return navigator.credentials.create({ publicKey: publicKey }).then(function (credential) {
        return { credential: credentialJSON(credential) };
      });
    });
  }
})();
