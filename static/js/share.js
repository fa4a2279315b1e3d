// A link someone passes on (components/_share_link.html): the phone's share sheet (Web Share
// API) where there is one, and "copy the link" where the clipboard can be written. Without
// JavaScript the link is in a read-only field to press and hold.
(function () {
  "use strict";
  document.querySelectorAll("[data-share-box]").forEach(function (box) {
    var status = box.querySelector("[data-share-status]");
    var data = { title: box.dataset.title, text: box.dataset.text, url: box.dataset.url };
    var native = box.querySelector("[data-share-native]");
    var copy = box.querySelector("[data-copy]");

    if (navigator.share && (!navigator.canShare || navigator.canShare(data))) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share(data).catch(function () { /* closed without sharing: nothing to say */ });
      });
    }
    if (navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(data.url).then(
          function () { status.textContent = box.dataset.copied; },
          function () { status.textContent = box.dataset.copyFailed; },
        );
      });
    }
    var field = box.querySelector("[data-share-link]");
    if (field) field.addEventListener("focus", function () { field.select(); });
  });
})();
