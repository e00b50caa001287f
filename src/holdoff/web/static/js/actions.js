// Buttons that call the API: <button data-url="/alerts/7/acknowledge" [data-method="DELETE"]>.
import { request, say } from "./api.js";

/**
 * Handle clicks on such buttons inside `root`; `done(button, answer)` runs after a success.
 * The button is disabled while its request runs; a refusal is shown in the page's message line.
 */
export function bindActions(root, done) {
  root.addEventListener("click", async (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-url]") : null;
    if (!button || !root.contains(button) || button.disabled) return;
    event.preventDefault();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const answer = await request(button.dataset.method || "POST", button.dataset.url);
      say("");
      await done(button, answer);
    } catch (error) {
      say(`${button.textContent.trim()} failed: ${error.message}`);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
}
