/* The organiser's code page (volunteers/templates/volunteers/code.html): asks the code endpoint for
   the code of this moment, shows its digits and its QR code, counts down the seconds it has left,
   and asks again as it changes. Times are kept as seconds left from the answer, never as the
   device's clock, so a phone whose clock is wrong still counts right. With no network it keeps
   trying every few seconds and says so; the code shown stays good for one more step (the server
   accepts the previous one), after which it is greyed out. It also asks the phone to keep its
   screen on while the page is shown. */
(function () {
  "use strict";
  var page = document.getElementById("code-page");
  if (!page) return;
  var digits = document.getElementById("code");
  var first = document.getElementById("code-first");
  var second = document.getElementById("code-second");
  var qr = document.getElementById("qr");
  var seconds = document.getElementById("code-seconds");
  var bar = document.getElementById("code-bar");
  var stepSeconds = Number(page.dataset.stepSeconds) || 60;
  var changesAt = null; // performance.now() at which the shown code's step ends
  var timer = null;

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(refresh, Math.max(250, ms));
  }

  function show(answer) {
    page.dataset.state = answer.state;
    page.dataset.offline = "false";
    if (answer.state === "open") {
      digits.dataset.code = answer.code;
      first.textContent = answer.code.slice(0, 3);
      second.textContent = answer.code.slice(3);
      if (qr.dataset.step !== String(answer.step)) {
        qr.src = page.dataset.qr + answer.step + ".svg";
        qr.dataset.step = String(answer.step);
      }
      page.dataset.step = String(answer.step);
      changesAt = performance.now() + answer.seconds_left * 1000;
      later(answer.seconds_left * 1000 + 300);
    } else {
      changesAt = null;
      if (answer.state === "early") later(30000); // it opens by itself when the time comes
    }
    tick();
  }

  function refresh() {
    fetch(page.dataset.api, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(show)
      .catch(function () {
        page.dataset.offline = "true";
        later(3000);
      });
  }

  function tick() {
    if (changesAt === null) return;
    var left = (changesAt - performance.now()) / 1000;
    seconds.textContent = String(Math.max(0, Math.ceil(left)));
    bar.style.width = Math.max(0, Math.min(100, (left / stepSeconds) * 100)) + "%";
    // The previous step's code is still accepted: stale only once a whole step has passed too.
    page.dataset.stale = left < -stepSeconds ? "true" : "false";
  }

  var wakeLock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") return;
    navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }).catch(function () {});
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      keepAwake();
      refresh(); // a phone put away and taken out again: the code has moved on
    }
  });

  var full = document.getElementById("full-screen");
  if (full) {
    if (!document.documentElement.requestFullscreen) full.hidden = true;
    full.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    });
  }

  if (page.dataset.state === "open" && page.dataset.secondsLeft) {
    changesAt = performance.now() + Number(page.dataset.secondsLeft) * 1000;
    later(Number(page.dataset.secondsLeft) * 1000 + 300);
  } else if (page.dataset.state === "early") {
    later(30000);
  }
  setInterval(tick, 250);
  tick();
  keepAwake();
})();
