// The live discussion (comments/live.py). Terse: the page-weight budget.
const byId = (id) => document.getElementById(id);
const root = byId("live-discussion");
const d = root?.dataset;
const notice = byId("live-notice");
const threads = byId("threads");
const onPage = (id) => byId(`comment-${id}`);
const some = (n, one, many) => `${n} ${n == 1 ? one : many}`;
let known, version, fresh = [], count, timer, busy, stopped, button;

const take = (s) => {
  if (!known) {
    // Of the page's own version, the first answer is what the page shows.
    const unseen = s.version === d.liveVersion ? 0 : s.count - d.liveCount;
    known = new Set(s.recent.filter(([id], i) => i >= unseen || onPage(id)).map(([id]) => id));
  }
  if (s.version === version) return;
  version = s.version;
  count = s.count;
  fresh = s.recent.filter(([id]) => !known.has(id) && !onPage(id));
  if (!fresh.length) return button && button.remove();
  if (!button?.isConnected) {
    button = document.createElement("button");
    button.className = "link-button";
    button.onclick = show;
    notice.replaceChildren(button);
  }
  button.textContent = fresh.length === 1 ? "1 new comment — show it" : `${fresh.length} new comments — show them`;
};

const poll = async () => {
  if (busy || stopped || document.hidden) return;
  busy = true;
  try {
    // No cookies: a shared answer. no-cache: revalidate (ETag) each time.
    const r = await fetch(d.liveUrl, { credentials: "omit", cache: "no-cache" });
    stopped = r.status === 404;
    if (r.ok) take(await r.json());
  } catch {}
  busy = false;
  clearTimeout(timer);
  if (!document.hidden) timer = setTimeout(poll, Math.max(5, d.livePollSeconds) * 1000);
};

// Where a new comment goes; null: another page, a filter, its parent not here.
const place = (parent) => {
  if (parent) {
    const item = onPage(parent);
    if (!item || !threads.contains(item)) return null;
    let list = byId(`replies-${parent}`);
    if (!list) {
      list = document.createElement("ol");
      list.className = "replies";
      list.id = `replies-${parent}`;
      item.insertBefore(list, item.querySelector(":scope > .more-replies"));
    }
    return [list, "beforeend"];
  }
  if (d.liveFilter) return null;
  if (d.liveSort === "newest") return d.livePage === "1" ? [threads, "afterbegin"] : null;
  return document.querySelector("#threads-nav a[rel=next]") ? null : [threads, "beforeend"];
};

async function show() {
  const ids = fresh.map(([id]) => id).sort((a, b) => a - b);
  const t = document.createElement("template");
  try {
    const r = await fetch(`${d.liveCommentsUrl}?ids=${ids.join(",")}`);
    if (!r.ok) throw r;
    t.innerHTML = await r.text();
  } catch {
    button.textContent = "The new comments could not be loaded. Try again";
    return;
  }
  const added = [];
  let elsewhere = 0;
  for (const ol of t.content.children) {
    const li = ol.firstElementChild;
    if (!li || onPage(li.id.slice(8))) continue;
    const where = place(ol.dataset.liveParent);
    if (!where) elsewhere++;
    else added.push(where[0].insertAdjacentElement(where[1], li));
  }
  ids.forEach((id) => known.add(id));
  if ((fresh = fresh.filter(([id]) => !known.has(id))).length) version = 0;
  const p = document.createElement("p");
  p.textContent = [
    added.length && `${some(added.length, "new comment", "new comments")} shown.`,
    elsewhere && `${some(elsewhere, "new comment is", "new comments are")} on another page of the discussion.`,
  ].filter(Boolean).join(" ");
  notice.replaceChildren(p);
  byId("comment-count").textContent = some(count, "comment", "comments");
  if (!added.length) return;
  byId("no-comments")?.remove();
  for (const li of added) {
    window.htmx?.process(li);
    li.dispatchEvent(new CustomEvent("htmx:load", { bubbles: true, detail: { elt: li } }));
  }
  added[0].tabIndex = -1;
  added[0].focus();
}

if (root) {
  document.addEventListener("visibilitychange", () => (document.hidden ? clearTimeout(timer) : poll()));
  poll();
}
