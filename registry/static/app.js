// Progressive enhancement only; every page works without JavaScript.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('input[name="csrf_token"]');
  if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
});
// Controls that only work with JavaScript (e.g. the employer search box) start hidden.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
});
