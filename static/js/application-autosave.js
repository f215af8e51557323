// Saves the application draft on its own while the person types (progressive enhancement:
// without JavaScript the "Enregistrer le brouillon" button does the same). Sends the form's
// fields, never its files, a few seconds after the last change, to the page's own URL with
// the X-Autosave header; the server answers JSON and the status line says what happened.
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("autosave-status");
  var lang = document.documentElement.lang || "fr";
  var text = lang.indexOf("en") === 0
    ? { saving: "Saving…", saved: "Draft saved at ", failed: "Draft not saved: " , offline: "Draft not saved (no connection); it will be retried." }
    : { saving: "Enregistrement…", saved: "Brouillon enregistré à ", failed: "Brouillon non enregistré : ", offline: "Brouillon non enregistré (pas de connexion) ; nouvel essai bientôt." };
  var timer = null;
  var dirty = false;
  var busy = false;

  function say(message) { if (status) { status.textContent = message; } }

  function save() {
    timer = null;
    if (busy) { timer = window.setTimeout(save, 1000); return; }
    busy = true;
    dirty = false;
    var data = new FormData(form);
    // Files go with the button only; removal buttons and actions never fire from here.
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      data.delete(input.name);
    });
    data.delete("remove_attachment");
    data.delete("action");
    say(text.saving);
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Autosave": "1", "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      say(result.ok ? text.saved + result.body.at : text.failed + (result.body.message || ""));
    }).catch(function () {
      dirty = true;
      say(text.offline);
      timer = window.setTimeout(save, 15000);
    }).finally(function () { busy = false; });
  }

  function changed(event) {
    if (event.target && event.target.type === "file") { return; }
    dirty = true;
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, 3000);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { if (timer) { window.clearTimeout(timer); } });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && timer) { event.preventDefault(); event.returnValue = ""; }
  });
})();
