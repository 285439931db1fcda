// Discussion enhancements. Everything works without this file; with it readers get
// a live character counter, relative times, and the edit window as a countdown.
// Runs on page load and on every piece of HTML htmx swaps in.

const relative = new Intl.RelativeTimeFormat("en-GB", { numeric: "auto" });
const UNITS = [
  ["year", 31536000],
  ["month", 2592000],
  ["week", 604800],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

function ago(date) {
  const seconds = (date.getTime() - Date.now()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

function showRelativeTimes(root) {
  for (const time of root.querySelectorAll(".comment time, .profile-comment time")) {
    if (time.dataset.enhanced) continue;
    time.dataset.enhanced = "1";
    const absolute = time.textContent;
    time.textContent = `${ago(new Date(time.dateTime))} · ${absolute}`;
  }
}

function counter(textarea) {
  const limit = Number(textarea.dataset.maxLength);
  const output = document.querySelector(`[data-counter-for="${textarea.id}"]`);
  if (!limit || !output) return;
  const update = () => {
    const left = limit - textarea.value.length;
    output.textContent =
      left >= 0
        ? `${left.toLocaleString("en-GB")} characters left.`
        : `${(-left).toLocaleString("en-GB")} characters over the limit.`;
    output.classList.toggle("over-limit", left < 0);
    // Announce only the moments that matter, not every keystroke.
    const over = left < 0;
    if (over !== (textarea.dataset.over === "1")) {
      textarea.dataset.over = over ? "1" : "0";
      output.setAttribute("role", over ? "alert" : "status");
    }
  };
  textarea.addEventListener("input", update);
  update();
}

function countdown(link) {
  const until = new Date(link.dataset.editUntil).getTime();
  const label = link.textContent;
  const tick = () => {
    const left = Math.floor((until - Date.now()) / 1000);
    if (left <= 0) {
      link.remove();
      return;
    }
    if (left >= 3600) {
      const hours = Math.floor(left / 3600);
      const minutes = Math.floor((left % 3600) / 60);
      link.textContent = `${label} (${hours} h ${minutes} min left)`;
      setTimeout(tick, 30000);
      return;
    }
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    link.textContent = `${label} (${minutes}:${seconds} left)`;
    setTimeout(tick, 1000);
  };
  tick();
}

function enhance(root) {
  showRelativeTimes(root);
  for (const textarea of root.querySelectorAll("textarea[data-max-length]")) {
    if (textarea.dataset.counted) continue;
    textarea.dataset.counted = "1";
    counter(textarea);
  }
  for (const link of root.querySelectorAll("a[data-edit-until]")) {
    if (link.dataset.counting) continue;
    link.dataset.counting = "1";
    countdown(link);
  }
}

enhance(document);
document.body.addEventListener("htmx:load", (event) => enhance(event.detail.elt.parentNode || document));

// After htmx puts a form or a message in place, move focus there so keyboard and
// screen-reader users know what happened.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (!target || !target.isConnected) return;
  const focusable = target.querySelector(
    "[role=alert], [role=status], textarea, input[type=radio]"
  );
  if (focusable) {
    if (!focusable.matches("textarea, input")) focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
});
