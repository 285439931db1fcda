// Newsletter signup, enhanced by htmx: after the form is swapped for the answer or
// for itself with errors, move focus there so keyboard and screen-reader users
// land on what changed. Without JavaScript the form posts and reloads as usual.
document.addEventListener("htmx:afterSwap", (event) => {
  const signup = event.detail.target?.closest?.(".newsletter-signup") ??
    document.querySelector(".newsletter-signup");
  if (!signup) return;
  const invalid = signup.querySelector('[aria-invalid="true"]');
  if (invalid) {
    invalid.focus();
    return;
  }
  const done = signup.querySelector(".newsletter-done");
  if (done) {
    done.setAttribute("tabindex", "-1");
    done.focus();
  }
});
