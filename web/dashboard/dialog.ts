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
