// Forms that guide (no inline script: CSP). Loaded on every page.
// 1. An error summary at the top of a form gets the focus, so a long form does not hide its
//    errors; its links move the focus to the field itself.
// 2. A <select data-searchable> among many members gets a search box that narrows its options.
(function () {
  "use strict";
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.scrollIntoView({ block: "start" });
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      if (!link) return;
      const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      target.focus();
    });
  }

  document.querySelectorAll("select[data-searchable]").forEach((select, index) => {
    const search = document.createElement("input");
    search.type = "search";
    search.id = (select.id || "select-" + index) + "-search";
    search.className = "select-search";
    search.setAttribute("aria-controls", select.id);
    search.setAttribute("aria-label", select.dataset.searchLabel || "Search");
    search.placeholder = select.dataset.searchPlaceholder || "";
    search.autocomplete = "off";
    const status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    select.before(search);
    select.after(status);
    const options = Array.from(select.options);
    const norm = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    search.addEventListener("input", () => {
      const words = norm(search.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      options.forEach((option) => {
        const text = norm(option.textContent);
        const hit = option.value === "" || option.selected || words.every((w) => text.includes(w));
        option.hidden = !hit;
        if (hit && option.value !== "") shown += 1;
      });
      status.textContent = (select.dataset.countLabel || "%s").replace("%s", shown);
    });
  });
})();
