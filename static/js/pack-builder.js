// The share-pack builder: "Chosen" and its list follow the ticks as they change. Without
// JavaScript they show what was picked when the page was last sent (filtering keeps picks).
(function () {
  "use strict";
  var form = document.querySelector("[data-pack-builder]");
  if (!form) return;
  var list = form.querySelector("[data-chosen-list]");
  var none = form.querySelector("[data-chosen-none]");

  function update() {
    var items = [];
    form.querySelectorAll("input[name=pick]:checked").forEach(function (box) {
      var name = form.querySelector("label[for='" + box.id + "']");
      var item = document.createElement("li");
      // The name keeps its own language and direction; the bullet follows the page's.
      var words = document.createElement("span");
      words.textContent = name.textContent;
      if (name.lang) { words.lang = name.lang; words.dir = name.dir; }
      item.appendChild(words);
      items.push(item);
    });
    form.querySelectorAll("[data-chosen-num]").forEach(function (number) {
      number.textContent = String(items.length);
    });
    list.replaceChildren.apply(list, items);
    list.hidden = items.length === 0;
    none.hidden = items.length > 0;
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "pick") update();
  });
})();
