// Territory look-up on the "add member" page: type a name or key, pick a hit, the AGS field fills.
(function () {
  "use strict";
  const input = document.getElementById("lookup");
  const list = document.getElementById("lookup-results");
  const labels = JSON.parse(document.getElementById("lookup-labels").textContent);
  const ags = document.getElementById("id_ags");
  const name = document.getElementById("id_name");
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  function search() {
    const q = input.value.trim();
    list.replaceChildren();
    if (q.length < 2) return;
    fetch(input.dataset.url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((data) => {
        list.replaceChildren();
        if (!data.results.length) {
          const li = document.createElement("li");
          li.textContent = labels.none;
          list.appendChild(li);
        }
        data.results.forEach((hit) => {
          const li = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = hit.name + " (" + labels[hit.kind] + ", " + hit.detail + ", " +
            hit.population.toLocaleString() + " " + labels.inhabitants + ") – " + hit.ags;
          button.addEventListener("click", () => {
            ags.value = hit.ags;
            if (name && !name.value) name.value = hit.name.split(",")[0];
            list.replaceChildren();
            ags.focus();
          });
          li.appendChild(button);
          list.appendChild(li);
        });
      });
  }
})();
