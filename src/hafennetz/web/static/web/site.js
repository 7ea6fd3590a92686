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
  // The main navigation on small screens: the menu button opens and closes it (the CSS hides
  // the navigation behind the button only once this script has shown the button; without
  // JavaScript the navigation is always there).
  const header = document.querySelector(".site-header");
  const toggle = header && header.querySelector(".nav-toggle");
  if (toggle) {
    header.classList.add("nav-js");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = header.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // Tables scroll sideways in a box of their own (the page itself never does). A box that
  // scrolls can be reached with the keyboard and is named after the table's caption or the
  // heading before it (WCAG 2.1.1; axe: scrollable-region-focusable).
  const tableName = (table) => {
    if (table.caption) return table.caption.textContent.trim();
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    let el = table.closest(".table-scroll") || table;
    while (el && el !== document.body) {
      let prev = el.previousElementSibling;
      while (prev) {
        if (/^H[1-6]$/.test(prev.tagName)) return prev.textContent.trim();
        prev = prev.previousElementSibling;
      }
      el = el.parentElement;
    }
    return document.title;
  };
  const boxes = [];
  document.querySelectorAll("main table").forEach((table) => {
    let box = table.parentElement;
    if (!box.classList.contains("table-scroll")) {
      box = document.createElement("div");
      box.className = "table-scroll";
      table.before(box);
      box.append(table);
    }
    // A box the template made reachable already (tabindex, name) stays as it is.
    if (!box.hasAttribute("tabindex")) boxes.push([box, table]);
  });
  const markScrolling = () => {
    boxes.forEach(([box, table]) => {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", tableName(table));
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  markScrolling();
  window.addEventListener("resize", markScrolling);
  // <button data-confirm="question">: ask before submitting (e.g. disabling 2FA).
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
})();
