// The badge page's photo frame: the supporter's photo, square-cropped, with a
// blue ring and the Blue Heart, offered back as a PNG.
//
// The photo never leaves the device: it is read from the file input, drawn on
// a canvas and handed back as a blob: URL. Nothing here sends anything; the
// only request this script makes is for our own emblem, before any photo.
(function () {
  "use strict";

  var section = document.getElementById("frame");
  if (!section || !window.createImageBitmap || !HTMLCanvasElement.prototype.toBlob) {
    return; // Without these, the plain badge downloads stay the offer.
  }

  var SIZE = 1080; // the badge PNG's size: what social networks ask for
  var RING = 72; // the ring's width, wide enough to show at 200 px
  var EMBLEM = 200; // the emblem's disc, sitting on the ring at the lower right
  var input = section.querySelector("input[type=file]");
  var canvas = section.querySelector("canvas");
  var status = section.querySelector("[role=status]");
  var link = section.querySelector("a[download]");
  var context = canvas.getContext("2d");
  // The campaign blue, from the style sheet, so there is one place to change it.
  var blue = getComputedStyle(document.documentElement).getPropertyValue("--blue").trim() || "#0b4f9c";

  var emblem = new Image();
  emblem.src = section.dataset.emblem;
  var emblemReady = emblem.decode();
  var downloadUrl = null;

  function say(message) {
    status.textContent = message;
  }

  function drawPhoto(photo) {
    // Centre crop: the largest square in the middle of the photo.
    var side = Math.min(photo.width, photo.height);
    var sx = (photo.width - side) / 2;
    var sy = (photo.height - side) / 2;
    context.clearRect(0, 0, SIZE, SIZE);
    context.drawImage(photo, sx, sy, side, side, 0, 0, SIZE, SIZE);
  }

  function drawFrame() {
    // Blue everywhere outside a circle: a ring on round profile pictures, and
    // blue corners on square ones.
    var centre = SIZE / 2;
    context.beginPath();
    context.rect(0, 0, SIZE, SIZE);
    context.arc(centre, centre, centre - RING, 0, 2 * Math.PI);
    context.fillStyle = blue;
    context.fill("evenodd");
    // The emblem on a white disc where the ring meets the lower right corner.
    var at = centre + (centre - RING / 2) * Math.SQRT1_2;
    context.beginPath();
    context.arc(at, at, EMBLEM / 2, 0, 2 * Math.PI);
    context.fillStyle = "#fff";
    context.fill();
    context.lineWidth = 8;
    context.strokeStyle = blue;
    context.stroke();
    var heart = EMBLEM * 0.7;
    context.drawImage(emblem, at - heart / 2, at - heart / 2, heart, heart);
  }

  function offer(blob) {
    if (downloadUrl) {
      URL.revokeObjectURL(downloadUrl);
    }
    downloadUrl = URL.createObjectURL(blob);
    link.href = downloadUrl;
    link.hidden = false;
  }

  function frame(file) {
    link.hidden = true;
    say(section.dataset.working);
    Promise.all([createImageBitmap(file), emblemReady])
      .then(function (loaded) {
        var photo = loaded[0];
        drawPhoto(photo);
        photo.close();
        drawFrame();
        canvas.hidden = false;
        return new Promise(function (resolve, reject) {
          canvas.toBlob(function (blob) {
            if (blob) resolve(blob);
            else reject(new Error("toBlob"));
          }, "image/png");
        });
      })
      .then(function (blob) {
        offer(blob);
        say(section.dataset.ready);
      })
      .catch(function () {
        canvas.hidden = true;
        say(section.dataset.failed);
      });
  }

  input.addEventListener("change", function () {
    if (input.files && input.files[0]) {
      frame(input.files[0]);
    }
  });
  section.hidden = false;
})();
