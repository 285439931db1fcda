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

/* The queue, live (comments/moderation/live.py): while the tab is visible, ask
   every few seconds what came in since the page was drawn; keep the tab counts
   current and announce new items ("3 new comments to review — show them") in a
   polite live region; on request, put them in the list. Without JavaScript,
   "Refresh queue" reloads the page. */
(function () {
  "use strict";
  var root = document.getElementById("mod-live");
  if (!root) return;
  var notice = document.getElementById("mod-live-notice");
  var seconds = Math.max(5, Number(root.dataset.livePollSeconds) || 30);
  var tab = root.dataset.liveTab;
  var review = tab === "pending" || tab === "held" || tab === "reported";
  var fresh = [];
  var button = null;
  var timer = null;
  var polling = false;

  function address(params) {
    params.tab = tab;
    return root.dataset.liveUrl + "?" + new URLSearchParams(params).toString();
  }
  function onPage(id) {
    return document.getElementById("mod-item-" + id) !== null;
  }
  function schedule() {
    clearTimeout(timer);
    timer = document.hidden ? null : setTimeout(poll, seconds * 1000);
  }

  function poll() {
    if (polling || document.hidden) return;
    polling = true;
    fetch(address({ live: "state", since: root.dataset.liveSince }), {
      headers: { Accept: "application/json" },
      cache: "no-store",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state) take(state);
      })
      .catch(function () {})
      .then(function () {
        polling = false;
        schedule();
      });
  }

  function take(state) {
    Object.keys(state.counts).forEach(function (key) {
      var badge = document.getElementById("count-" + key);
      if (badge) badge.textContent = state.counts[key];
    });
    fresh = state["new"].filter(function (id) {
      return !onPage(id);
    });
    if (!fresh.length) {
      if (button) button.remove();
      button = null;
      return;
    }
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "button mod-live-show";
      button.addEventListener("click", show);
      notice.replaceChildren(button);
    }
    var what = fresh.length === 1 ? "1 new comment" : fresh.length + " new comments";
    button.textContent = what + (review ? " to review" : "") + " — show " +
      (fresh.length === 1 ? "it" : "them");
  }

  function show() {
    var list = document.getElementById("mod-items");
    if (!list) return window.location.reload(); // an empty queue: no list yet
    var params = { live: "items", ids: fresh.slice().sort(function (a, b) { return a - b; }).join(",") };
    if (root.dataset.livePage) params.page = root.dataset.livePage;
    fetch(address(params), { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var added = [];
        var items = Array.prototype.slice.call(template.content.children);
        if (!review) items.reverse(); // each goes on top: the newest last
        items.forEach(function (item) {
          if (!item.classList.contains("mod-item") || document.getElementById(item.id)) return;
          // Newest first in the decided tabs; the others take the oldest first.
          list.insertAdjacentElement(review ? "beforeend" : "afterbegin", item);
          if (window.htmx) window.htmx.process(item);
          added.push(item);
        });
        fresh = [];
        button = null;
        var status = document.createElement("p");
        status.textContent = added.length === 1
          ? "1 new comment added to the list."
          : added.length + " new comments added to the list.";
        notice.replaceChildren(status);
        if (added.length) {
          var first = review ? added[0] : added[added.length - 1];
          first.focus();
          first.scrollIntoView({ block: "nearest" });
        }
      })
      .catch(function () {
        if (button) button.textContent = "The new comments could not be loaded. Try again";
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      poll();
    }
  });
  schedule();
})();
