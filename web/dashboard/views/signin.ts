// Sign-in: the API key goes to sessionStorage only after the API has accepted it.
import { ApiError, session, verifyKey } from "../api";
import { errorText, h, replace, title } from "../dom";

export function renderSignIn(root: HTMLElement, message: string, done: () => void): void {
  const input = h("input", {
    id: "api-key",
    name: "api-key",
    type: "password",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "api-key-hint api-key-error",
  });
  const error = h("p", { id: "api-key-error", class: "field-error", role: "alert" }, message);
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "panel signin", method: "post", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "api-key" }, "API key"), input),
    h(
      "p",
      { id: "api-key-hint", class: "hint" },
      "Create one with ",
      h("code", null, "npm run keys -- create --tenant <id>"),
      " (add ",
      h("code", null, "--scope read"),
      " for a key that can look but not change anything). The key is kept in this browser tab only and forgotten when you sign out or close the tab.",
    ),
    error,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) {
      error.textContent = "Enter an API key.";
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    submit.disabled = true;
    error.textContent = "";
    try {
      const info = await verifyKey(key);
      if (info) {
        session.signIn(key, info);
        done();
        return;
      }
      error.textContent = "That API key was not accepted.";
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : errorText(e);
    }
    input.setAttribute("aria-invalid", "true");
    submit.disabled = false;
    input.focus();
  });
  replace(root, h("section", { class: "narrow" }, title("Sign in to crondo"), form));
  input.focus();
}
