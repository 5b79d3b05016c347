// The favorites star: a form that works without JavaScript, upgraded to a fetch
// that toggles the heart and updates the star and the count without a reload.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.star-form");
  if (!form) return;
  event.preventDefault();
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const button = form.querySelector(".star");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": token },
    });
    if (response.redirected) {
      window.location.href = response.url;
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { hearted, count } = await response.json();
    button.textContent = hearted ? "★" : "☆";
    button.setAttribute("aria-pressed", String(hearted));
    form.querySelector(".star-count").textContent = count;
    const total = form.closest(".tweet")?.querySelector(".hearts-count");
    if (total) total.textContent = count;
    const noun = form.closest(".tweet")?.querySelector(".hearts-noun");
    if (noun) noun.textContent = count === 1 ? "heart" : "hearts";
  } catch (error) {
    button.title = `Could not toggle: ${error.message}`;
  } finally {
    button.disabled = false;
  }
});
