// Drag and drop in the small-group planner. Dropping a person on another group of the same round
// fills that person's move form and submits it, so the server checks the rules exactly as for the
// form (and asks before breaking one). Without JavaScript, or by keyboard, the form works as is.
(function () {
  "use strict";
  const cards = Array.from(document.querySelectorAll(".group-card[data-round]"));
  if (!cards.length) return;
  let dragged = null;

  function sameRound(card) {
    return dragged && dragged.closest(".group-card").dataset.round === card.dataset.round;
  }

  document.querySelectorAll(".group-card li[data-registration]").forEach(function (item) {
    if (!item.querySelector("form.move")) return;
    item.draggable = true;
    item.classList.add("draggable");
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.registration);
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("dragging");
      dragged = null;
      cards.forEach(function (card) { card.classList.remove("drop-target"); });
    });
  });

  cards.forEach(function (card) {
    card.addEventListener("dragover", function (event) {
      if (!sameRound(card)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      card.classList.add("drop-target");
    });
    card.addEventListener("dragleave", function (event) {
      if (!card.contains(event.relatedTarget)) card.classList.remove("drop-target");
    });
    card.addEventListener("drop", function (event) {
      if (!sameRound(card)) return;
      event.preventDefault();
      const item = dragged;
      if (item.closest(".group-card") === card) return;
      const form = item.querySelector("form.move");
      form.querySelector('input[name="to_group"]').value = card.dataset.group;
      form.requestSubmit(form.querySelector('button[name="move"]'));
    });
  });
})();
