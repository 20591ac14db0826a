/* A menu marked data-submit-on-change sends its form as soon as a choice is made (the area of a
   map page, the month of a ranking). From a file rather than an onchange attribute, so the pages
   need no inline script. Delegated, so it serves menus before and after this script alike. */
(function () {
  "use strict";
  if (window.govgridSubmitOnChange) return;
  window.govgridSubmitOnChange = true;
  document.addEventListener("change", (event) => {
    const menu = event.target;
    if (menu.matches && menu.matches("[data-submit-on-change]") && menu.form) menu.form.requestSubmit();
  });
})();
