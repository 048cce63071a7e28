// A read-only key (scopes ["read"], SPEC §8) may call the GET endpoints only: the
// dashboard shows what such a key cannot do as disabled, with this note saying why.
import { h } from "./dom";

export const READ_ONLY_NOTE_ID = "read-only-note";

/** The note beside disabled actions; a control names it with aria-describedby. */
export const readOnlyNote = (id = READ_ONLY_NOTE_ID) =>
  h(
    "p",
    { id, class: "note read-only-note" },
    "Read-only API key: you can look at jobs and runs, but not change them. ",
    "Sign in with a key that has the write scope (",
    h("code", null, "npm run keys -- create --tenant <id>"),
    ") to create, edit, pause, trigger or delete jobs.",
  );

/** Disables `button` for a read-only key, pointing at the note for the reason. */
export function disableForReadOnly(button: HTMLButtonElement, noteId = READ_ONLY_NOTE_ID) {
  button.disabled = true;
  button.setAttribute("aria-describedby", noteId);
  button.title = "This API key is read-only";
}
