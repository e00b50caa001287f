// The channels page: health of each channel from GET /channels; reloading the configuration.
import { optional, request, say } from "./api.js";
import { when } from "./format.js";

// GET /channels items: {name, health: "ok" | "failing" | "unknown", last_error, last_success_at, ...}
function healthOf(channel) {
  return {
    state: typeof channel.health === "string" ? channel.health : null,
    error: channel.last_error || null,
    success: channel.last_success_at ? when(channel.last_success_at) : null,
  };
}

async function showHealth() {
  let answer;
  try {
    answer = await optional("/channels");
  } catch {
    return;
  }
  const items = answer && Array.isArray(answer.items) ? answer.items : [];
  for (const channel of items) {
    const row = document.querySelector(`tr[data-channel="${CSS.escape(String(channel.name))}"]`);
    if (!row) continue;
    const { state, error, success } = healthOf(channel);
    if (!state) continue;
    const cell = row.querySelector(".health");
    const badge = document.createElement("span");
    badge.className = `delivery delivery-${state}`;
    badge.textContent = state;
    cell.replaceChildren(badge);
    if (success) cell.append(` last ok ${success}`);
    if (error) {
      const text = document.createElement("span");
      text.className = "error-text";
      text.textContent = ` ${error}`;
      cell.append(text);
    }
  }
}

// The button is only drawn for admins.
document.getElementById("reload-policy")?.addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    let done = null;
    try {
      done = await request("POST", "/policy/reload");
    } catch (error) {
      if (error.status !== 404 && error.status !== 405) throw error;
      done = await request("POST", "/admin/reload");
    }
    const restart = done && done.restart_needed && done.restart_needed.length;
    say(restart ? `Reloaded; these need a restart: ${done.restart_needed.join(", ")}` : "Configuration reloaded.", "ok");
  } catch (error) {
    say(`Reload failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
});

showHealth();
