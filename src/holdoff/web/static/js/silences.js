// The silences page: create one from the form (POST /silences), expire one (DELETE /silences/{id}).
import { bindActions } from "./actions.js";
import { request, say } from "./api.js";

const form = document.getElementById("silence-form"); // only drawn for roles that may silence

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = (name) => form.elements.namedItem(name).value.trim();
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const made = await request("POST", "/silences", {
      matchers: field("matchers"),
      duration: field("duration"),
      created_by: field("created_by"),
      comment: field("comment"),
    });
    say(`Silence #${made.id} created: ${made.text}`, "ok");
    window.location.assign("/ui/silences");
  } catch (error) {
    say(`The silence was not created: ${error.message}`);
  } finally {
    submit.disabled = false;
  }
});

const table = document.getElementById("silence-table");
if (table) {
  bindActions(table, () => {
    window.location.reload();
  });
}
