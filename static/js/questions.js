// My questions, kept in this browser's localStorage. User text only ever goes into the page
// as text (textContent, value), never as HTML.
(function () {
  "use strict";
  var KEY = "nextsteps.questions";

  function load() {
    try {
      var items = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }

  function save(items) {
    localStorage.setItem(KEY, JSON.stringify(items));
  }

  function newId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  }

  function add(text, about, appointment) {
    var items = load();
    var clean = String(text).trim().slice(0, 500);
    if (!clean) return false;
    var duplicate = items.some(function (item) {
      return item.text === clean && !item.done && (item.appointment || "") === (appointment || "");
    });
    if (!duplicate) {
      items.push({ id: newId(), text: clean, about: about || "", appointment: appointment || "",
        done: false, created: new Date().toISOString() });
      save(items);
    }
    return true;
  }

  function render(root) {
    var list = root.querySelector("[data-question-list]");
    var items = load();
    list.textContent = "";
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "question-list__empty";
      empty.textContent = root.dataset.emptyLabel;
      list.appendChild(empty);
      return;
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "question" + (item.done ? " question--done" : "");
      var tickId = "asked-" + item.id;
      var tick = document.createElement("input");
      tick.type = "checkbox";
      tick.id = tickId;
      tick.checked = !!item.done;
      tick.addEventListener("change", function () {
        update(item.id, { done: tick.checked });
        render(root);
        document.getElementById(tickId).focus();
      });
      var label = document.createElement("label");
      label.htmlFor = tickId;
      label.className = "question__text";
      label.textContent = item.text;
      var asked = document.createElement("span");
      asked.className = "tag tag--done";
      asked.hidden = !item.done;
      asked.textContent = root.dataset.askedLabel;
      var tickLabel = document.createElement("label");
      tickLabel.htmlFor = tickId;
      tickLabel.className = "question__mark";
      tickLabel.textContent = root.dataset.markLabel;
      var edit = document.createElement("button");
      edit.type = "button";
      edit.className = "button button--link";
      edit.textContent = root.dataset.editLabel;
      edit.addEventListener("click", function () { startEdit(root, li, item); });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button--link";
      remove.textContent = root.dataset.deleteLabel;
      remove.addEventListener("click", function () {
        save(load().filter(function (other) { return other.id !== item.id; }));
        render(root);
        root.querySelector("#question-text").focus();
      });
      li.append(tick, label, asked, tickLabel, edit, remove);
      list.appendChild(li);
    });
  }

  function update(id, changes) {
    save(load().map(function (item) {
      return item.id === id ? Object.assign({}, item, changes) : item;
    }));
  }

  function startEdit(root, li, item) {
    li.textContent = "";
    var field = document.createElement("input");
    field.type = "text";
    field.value = item.text;
    field.maxLength = 500;
    field.setAttribute("aria-label", root.dataset.editFieldLabel);
    var saveButton = document.createElement("button");
    saveButton.type = "button";
    saveButton.className = "button";
    saveButton.textContent = root.dataset.saveLabel;
    saveButton.addEventListener("click", function () {
      var text = field.value.trim();
      if (text) update(item.id, { text: text.slice(0, 500) });
      render(root);
    });
    li.append(field, saveButton);
    field.focus();
  }

  function setUpPage(root) {
    root.hidden = false;
    var form = root.querySelector("[data-question-form]");
    var error = root.querySelector("[data-question-error]");
    var textarea = root.querySelector("#question-text");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!add(textarea.value)) {
        error.hidden = false;
        textarea.setAttribute("aria-invalid", "true");
        textarea.setAttribute("aria-describedby", "question-error question-hint");
        textarea.focus();
        return;
      }
      error.hidden = true;
      textarea.removeAttribute("aria-invalid");
      textarea.setAttribute("aria-describedby", "question-hint");
      textarea.value = "";
      render(root);
      textarea.focus();
    });
    root.querySelector("[data-clear-questions]").addEventListener("click", function () {
      if (window.confirm(root.dataset.confirmClear)) {
        localStorage.removeItem(KEY);
        render(root);
      }
    });
    render(root);
  }

  // Signed in, a question goes to the account (kept wherever the parent signs in); if
  // nobody is signed in, or the network is down, it is kept on this device instead.
  function setUpAskButtons() {
    document.querySelectorAll("[data-add-question]:not([data-ready])").forEach(function (button) {
      button.dataset.ready = "true";
      button.hidden = false;
      button.addEventListener("click", function () {
        var status = document.querySelector("[data-question-status]");
        var item = { text: button.dataset.addQuestion, about: location.pathname, id: newId() };
        keepWithAccount(item).then(function (kept) {
          if (!kept) add(item.text, item.about);
          if (status) status.textContent = button.dataset.addedLabel;
        });
      });
    });
  }

  function keepWithAccount(item) {
    var keep = window.NextStepsKeepQuestion;
    return keep ? keep(item) : Promise.resolve(false);
  }

  // On an appointment's page: the questions attached to it, and a way to add one.
  function setUpAppointment(section) {
    var id = section.dataset.appointmentQuestions;
    var list = section.querySelector("[data-appointment-question-list]");
    var form = section.querySelector("[data-appointment-question-form]");
    var field = form.querySelector("input");
    var status = form.querySelector("[data-question-status]");
    section.hidden = false;
    function show() {
      list.textContent = "";
      var mine = load().filter(function (item) { return item.appointment === id; });
      if (!mine.length) {
        var empty = document.createElement("li");
        empty.textContent = section.dataset.emptyLabel;
        list.appendChild(empty);
      }
      mine.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "question" + (item.done ? " question--done" : "");
        li.textContent = item.text;
        list.appendChild(li);
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (add(field.value, location.pathname, id)) {
        field.value = "";
        status.textContent = section.dataset.addedLabel;
        show();
      }
    });
    show();
  }

  // Signed in: questions kept on this device can join the account's list (each sent with
  // its own id as the key, so sending twice adds nothing).
  function setUpDeviceMove(box) {
    if (box.dataset.owner !== "yes") return;  // a supporter's device holds other things
    var waiting = load().filter(function (item) { return !item.done; });
    if (!waiting.length) return;
    box.hidden = false;
    box.querySelector("[data-move-device-questions]").addEventListener("click", function () {
      var sends = waiting.map(function (item) {
        return keepWithAccount(item).then(function (kept) {
          if (kept) save(load().filter(function (other) { return other.id !== item.id; }));
        });
      });
      Promise.all(sends).then(function () { window.location.reload(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var move = document.querySelector("[data-device-questions]");
    if (move) setUpDeviceMove(move);
    var root = document.querySelector("[data-questions]");
    if (root) setUpPage(root);
    var appointment = document.querySelector("[data-appointment-questions]");
    if (appointment) setUpAppointment(appointment);
    setUpAskButtons();
  });
  document.addEventListener("htmx:afterSettle", setUpAskButtons);

  window.NextStepsQuestions = { load: load, add: add, clear: function () { localStorage.removeItem(KEY); } };
})();
