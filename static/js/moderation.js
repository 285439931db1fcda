/* Keyboard shortcuts for the moderation queues (the buttons work without them).
   j/k move between items, a approve, r reject (focus the reason), s spam, p pick,
   x select for a bulk action, ? shows the list. After an in-place decision (htmx)
   focus moves to the next undecided item. */
(function () {
  "use strict";
  var list = document.getElementById("mod-items");
  if (!list) return;
  var help = document.getElementById("mod-shortcuts");

  function items() {
    return Array.prototype.slice.call(list.querySelectorAll(".mod-item"));
  }
  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest(".mod-item") : null;
  }
  function focusItem(item) {
    if (!item) return;
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var all = items();
    var index = all.indexOf(current());
    var next = index === -1 ? all[0] : all[index + step];
    focusItem(next);
  }
  function press(selector) {
    var item = current();
    var button = item && item.querySelector(selector);
    if (button) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target.matches && target.matches("input[type=text], textarea, select");
    if (typing) return;
    var key = event.key;
    if (key === "?") {
      if (help.open) help.close(); else help.showModal();
    } else if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "a") press(".mod-approve");
    else if (key === "s") press(".mod-spam");
    else if (key === "p") press(".mod-pick");
    else if (key === "x") press(".mod-select");
    else if (key === "r") {
      var item = current();
      var reason = item && item.querySelector(".mod-reason");
      if (reason) reason.focus();
    } else return;
    event.preventDefault();
  });

  // After an in-place decision htmx fires afterSettle on the new item (once it has
  // given focus back to the element with the item's id): move on to the next
  // undecided item, or stay on this one if the decision was refused.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    if (!swapped.classList || !swapped.classList.contains("mod-item")) return;
    if (!swapped.classList.contains("mod-decided")) return focusItem(swapped);
    var all = items();
    for (var i = all.indexOf(swapped) + 1; i < all.length; i++) {
      if (!all[i].classList.contains("mod-decided")) return focusItem(all[i]);
    }
    focusItem(swapped);
  });
})();
