// Progressive enhancement only; every page works without JavaScript.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('input[name="csrf_token"]');
  if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
});
