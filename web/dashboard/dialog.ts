// An accessible confirmation dialog on the native <dialog>: modal (the page behind is
// inert), focus starts on the safe choice, Escape cancels, focus returns to the opener.
import { h } from "./dom";

export interface ConfirmOptions {
  title: string;
  message: string;
  confirm: string;
}

export function confirmDialog(opts: ConfirmOptions): Promise<boolean> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const cancel = h("button", { type: "button" }, "Cancel");
  const ok = h("button", { type: "button", class: "danger" }, opts.confirm);
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-labelledby": "dialog-title", "aria-describedby": "dialog-message" },
    h("h2", { id: "dialog-title" }, opts.title),
    h("p", { id: "dialog-message" }, opts.message),
    h("div", { class: "actions" }, cancel, ok),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      if (!answer && opener?.isConnected) opener.focus();
      resolve(answer);
    };
    cancel.addEventListener("click", () => close(false));
    ok.addEventListener("click", () => close(true));
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      close(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}

export interface FormDialogOptions {
  title: string;
  message: string;
  confirm: string;
  /** The fields, already labelled (each an element holding a <label> and its control). */
  fields: HTMLElement[];
  /** Does the work; a thrown error is shown in the dialog, which stays open. */
  submit: () => Promise<string>;
}

/**
 * A modal form on the native <dialog>: focus starts on the first field, Escape cancels,
 * an error of `submit` is announced inside the dialog; resolves to submit's message, or
 * null when cancelled.
 */
export function formDialog(opts: FormDialogOptions): Promise<string | null> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const cancel = h("button", { type: "button" }, "Cancel");
  const ok = h("button", { type: "submit", class: "primary" }, opts.confirm);
  const error = h("p", { class: "error-text", role: "alert", id: "form-dialog-error" });
  const form = h(
    "form",
    { method: "dialog", class: "dialog-form" },
    ...opts.fields,
    error,
    h("div", { class: "actions" }, cancel, ok),
  );
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-labelledby": "dialog-title", "aria-describedby": "dialog-message" },
    h("h2", { id: "dialog-title" }, opts.title),
    h("p", { id: "dialog-message" }, opts.message),
    form,
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (answer: string | null) => {
      dialog.close();
      dialog.remove();
      if (opener?.isConnected) opener.focus();
      resolve(answer);
    };
    cancel.addEventListener("click", () => close(null));
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      close(null);
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      ok.disabled = true;
      error.textContent = "";
      try {
        close(await opts.submit());
      } catch (e) {
        error.textContent = e instanceof Error ? e.message : String(e);
        ok.disabled = false;
      }
    });
    dialog.showModal();
    (form.querySelector("input, select") as HTMLElement | null)?.focus();
  });
}
