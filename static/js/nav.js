/* The phone menu: on narrow screens the sidebar folds behind its "Menu" button.
 *
 * The folding itself is CSS (static/css/app.css, below 800 px); this only flips the
 * button's aria-expanded and the panel's class. Without scripts, css/nojs.css keeps the
 * panel open and hides the button. */
(function () {
  "use strict";

  function init() {
    const button = document.querySelector(".nav-toggle[aria-controls]");
    if (!button) return;
    const panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) return;

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("is-open", open);
    }
    const isOpen = () => button.getAttribute("aria-expanded") === "true";

    button.addEventListener("click", () => setOpen(!isOpen()));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && isOpen()) {
        setOpen(false);
        button.focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
