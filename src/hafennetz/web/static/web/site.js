// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts and inline event handlers (ADR 0041).
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form on change (the language switch); the form keeps
  // its <noscript> button for browsers without JavaScript.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // <select data-navigate>: go to the URL of the chosen option.
  document.querySelectorAll("select[data-navigate]").forEach((select) => {
    select.addEventListener("change", () => {
      const url = new URL(select.value, window.location.href);
      if (url.origin === window.location.origin) window.location.assign(url.href);
    });
  });
  // <span class="bar" data-share="37">: bar lengths. Set through the CSSOM, which the policy
  // allows, instead of style="" attributes, which it refuses.
  document.querySelectorAll("[data-share]").forEach((el) => {
    const share = Number.parseFloat(el.dataset.share);
    if (Number.isFinite(share)) {
      el.style.setProperty("--share", Math.min(Math.max(share, 0), 100) + "%");
    }
  });
  // <button data-confirm="question">: ask before submitting (e.g. disabling 2FA).
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
})();
