// The "Share…" button: the device's own share sheet (Web Share API), where
// the browser has one. The button stays hidden otherwise, and without
// JavaScript: the plain share links beside it work everywhere.
"use strict";

if (typeof navigator.share === "function") {
  for (const button of document.querySelectorAll("button[data-share-url]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator
        .share({
          title: button.dataset.shareTitle,
          text: button.dataset.shareText,
          url: button.dataset.shareUrl,
        })
        // Closing the share sheet rejects the promise: nothing went wrong.
        .catch(() => {});
    });
  }
}
