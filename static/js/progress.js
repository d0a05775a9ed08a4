// The progress of a campaign update as it goes out: polls the page's own
// JSON (same origin, every 2 s) and updates the bar and the sentence in place.
//
// Without this script the page works the same, reloaded by its Refresh link.
// The sentence comes from the server, translated, so the script has no words.
(function () {
  "use strict";

  var EVERY = 2000; // ms
  var section = document.getElementById("update-progress");
  if (!section || !window.fetch || section.dataset.polling !== "true") {
    return;
  }
  var bar = section.querySelector("progress");
  var text = section.querySelector("[aria-live]");

  function show(progress) {
    if (progress.counted) {
      bar.max = progress.total || 1;
      bar.value = progress.total ? progress.done : 1;
    } else {
      bar.removeAttribute("value"); // indeterminate until the recipients are counted
    }
    bar.textContent = progress.percent + "%";
    // Only a changed sentence is announced: the live region stays quiet otherwise.
    if (text.textContent !== progress.text) {
      text.textContent = progress.text;
    }
  }

  function poll() {
    fetch(section.dataset.url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          // Signed out, or no longer allowed: stop; the Refresh link remains.
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.polling) {
          window.setTimeout(poll, EVERY);
        }
      })
      .catch(function (error) {
        // A network blip: try again. A refusal (an HTTP status) ends polling.
        if (!/^\d+$/.test(error.message)) {
          window.setTimeout(poll, EVERY);
        }
      });
  }

  window.setTimeout(poll, EVERY);
})();
