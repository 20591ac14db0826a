/* The exports page: a change of a filter shows the download buttons for it at once, so a button
   never downloads with filters other than those on the screen. Without scripts, the form's button
   does the same. */
(function () {
  "use strict";
  const form = document.getElementById("export-form");
  if (!form) return;
  form.addEventListener("change", (event) => {
    if (event.target.name === "bbox") return; // typed: applied with the button or Enter
    if (event.target.name === "kind") {
      // Statuses and levels differ between kinds: start the new kind without them.
      form.querySelectorAll("select[name=status], select[name=level]").forEach((s) => (s.value = ""));
    }
    form.requestSubmit();
  });
})();
