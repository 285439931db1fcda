// The live discussion (comments/live.py). While the article is open and its tab
// visible, ask every few seconds for the discussion's state: one small answer, the
// same for every reader, so the page cache or the shared cache in front answers it
// (and the browser revalidates it with its ETag). New published comments are
// announced in a polite live region ("3 new comments — show them"); on request
// their cards are fetched and put where the current sort puts them. Without this
// file, "Refresh discussion" reloads the same view of the discussion.

const root = document.getElementById("live-discussion");
if (root) start(root);

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function start(root) {
  const notice = document.getElementById("live-notice");
  const threads = document.getElementById("threads");
  const seconds = Math.max(5, Number(root.dataset.livePollSeconds) || 30);
  const pageVersion = root.dataset.liveVersion;
  const pageCount = Number(root.dataset.liveCount) || 0;
  let known = null; // ids of published comments the page has accounted for
  let lastVersion = null;
  let fresh = []; // [id, parent id] of new comments not shown yet, newest first
  let count = pageCount;
  let timer = null;
  let polling = false;
  let stopped = false;
  let button = null;

  const onPage = (id) => document.getElementById(`comment-${id}`) !== null;

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!stopped && !document.hidden) timer = setTimeout(poll, seconds * 1000);
  }

  async function poll() {
    if (polling || stopped || document.hidden) return;
    polling = true;
    try {
      // No cookies: the answer is everyone's, and stays cacheable for signed-in
      // readers too. "no-cache": the browser asks again each time (with its ETag,
      // so an unchanged answer is a 304) instead of using stale-while-revalidate,
      // which would show a change one poll late.
      const response = await fetch(root.dataset.liveUrl, {
        credentials: "omit",
        cache: "no-cache",
        headers: { Accept: "application/json" },
      });
      if (response.status === 404) {
        stopped = true; // unpublished (a preview) or gone
        return;
      }
      if (response.ok) take(await response.json());
    } catch {
      // Offline for a moment: ask again at the next tick.
    } finally {
      polling = false;
      schedule();
    }
  }

  function take(state) {
    if (known === null) {
      // The first answer. Drawn from the page's own version, it lists exactly
      // what the page shows; otherwise the comments it counts past the page's
      // count, newest first, are the new ones.
      const unseen =
        pageVersion && state.version === pageVersion
          ? 0
          : Math.max(0, state.count - pageCount);
      known = new Set();
      state.recent.forEach(([id], index) => {
        if (index >= unseen || onPage(id)) known.add(id);
      });
    }
    if (state.version === lastVersion) return;
    lastVersion = state.version;
    count = state.count;
    fresh = state.recent.filter(([id]) => !known.has(id) && !onPage(id));
    announce();
  }

  function announce() {
    if (!fresh.length) {
      if (button) {
        button.remove();
        button = null;
      }
      return;
    }
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "link-button live-show";
      button.addEventListener("click", show);
      notice.replaceChildren(button);
    }
    const many = fresh.length >= 50 ? "50+" : fresh.length;
    button.textContent =
      fresh.length === 1
        ? "1 new comment — show it"
        : `${many} new comments — show them`;
  }

  // Where a new comment goes on this page, or null when its place is elsewhere
  // (a later page, a filtered view, a parent not shown here).
  function placeFor(parentId) {
    if (parentId) {
      const parent = document.getElementById(`comment-${parentId}`);
      if (!parent || !threads.contains(parent)) return null;
      let list = document.getElementById(`replies-${parentId}`);
      if (!list) {
        list = document.createElement("ol");
        list.className = "replies";
        list.id = `replies-${parentId}`;
        parent.insertBefore(list, parent.querySelector(":scope > .more-replies"));
      }
      return [list, "beforeend"];
    }
    if (root.dataset.liveFilter) return null;
    if (root.dataset.liveSort === "newest") {
      return root.dataset.livePage === "1" ? [threads, "afterbegin"] : null;
    }
    // Oldest first and most recommended: a new thread comes last, so here only if
    // this is the last page loaded.
    if (document.querySelector("#threads-nav a[rel=next]")) return null;
    return [threads, "beforeend"];
  }

  async function show() {
    const ids = fresh.map(([id]) => id).sort((a, b) => a - b);
    let html;
    try {
      const response = await fetch(
        `${root.dataset.liveCommentsUrl}?ids=${ids.join(",")}`,
        { headers: { Accept: "text/html" } }
      );
      if (!response.ok) throw new Error(String(response.status));
      html = await response.text();
    } catch {
      button.textContent = "The new comments could not be loaded. Try again";
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = html;
    const inserted = [];
    let elsewhere = 0;
    for (const wrapper of template.content.children) {
      const item = wrapper.firstElementChild;
      if (!wrapper.matches("ol.live-new") || !item) continue;
      known.add(Number(item.id.replace("comment-", "")));
      if (document.getElementById(item.id)) continue;
      const place = placeFor(wrapper.dataset.liveParent);
      if (!place) {
        elsewhere += 1;
        continue;
      }
      place[0].insertAdjacentElement(place[1], item);
      inserted.push(item);
    }
    for (const id of ids) known.add(id);
    fresh = [];
    button.remove();
    button = null;
    settle(inserted, elsewhere);
  }

  function settle(inserted, elsewhere) {
    if (inserted.length) document.getElementById("no-comments")?.remove();
    const counter = document.getElementById("comment-count");
    if (counter) counter.textContent = plural(count, "comment", "comments");
    for (const item of inserted) {
      // The discussion's other scripts (relative times, htmx's buttons) take the
      // new cards as they take anything htmx puts in.
      window.htmx?.process(item);
      item.dispatchEvent(
        new CustomEvent("htmx:load", { bubbles: true, detail: { elt: item } })
      );
      item.classList.add("live-inserted");
    }
    const parts = [];
    if (inserted.length) parts.push(`${plural(inserted.length, "new comment", "new comments")} shown.`);
    if (elsewhere) {
      parts.push(
        `${plural(elsewhere, "new comment is", "new comments are")} on another page of the discussion.`
      );
    }
    const status = document.createElement("p");
    status.textContent = parts.join(" ");
    notice.replaceChildren(status);
    if (inserted.length) {
      // The first new comment, so that reading (and a screen reader) goes on there.
      const first = inserted[0];
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      poll(); // back: look at once, then every few seconds again
    }
  });
  poll();
}
