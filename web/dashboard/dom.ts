// A tiny DOM builder. Strings always become text nodes: data from the API is never
// parsed as HTML anywhere in the dashboard.
import type { JobStatus, RunState } from "../../src/client";

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = { [name: string]: AttrValue | ((ev: Event) => void) };

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined)
      el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export const badge = (value: RunState | JobStatus | string | null, label?: string) =>
  value === null
    ? h("span", { class: "muted" }, "—")
    : h("span", { class: `badge badge-${value}` }, label ?? value);

export const mono = (text: string | number) => h("code", null, text);

/** A label/value row of a description list. */
export const pair = (label: string, ...value: Child[]) => [
  h("dt", null, label),
  h("dd", null, ...value),
];

let toastTimer: ReturnType<typeof setTimeout> | undefined;
/** A short message in the live region of the layout. */
export function toast(message: string, kind: "info" | "error" = "info"): void {
  const el = document.getElementById("toast");
  if (!el) return;
  el.className = `toast toast-${kind}`;
  el.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.textContent = "";
    el.className = "toast";
  }, 4000);
}

/** A heading that receives focus after navigation (screen readers announce the new view). */
export const title = (text: string, ...extra: Child[]) => {
  document.title = `${text} · crondo`;
  return h("h1", { tabindex: -1, class: "view-title" }, text, ...extra);
};

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A panel telling what went wrong, with a retry button. */
export const errorPanel = (e: unknown, retry?: () => void) =>
  h(
    "div",
    { class: "panel panel-error", role: "alert" },
    h("p", null, errorText(e)),
    retry && h("button", { type: "button", onclick: retry }, "Try again"),
  );

/** A table that becomes cards on narrow screens: a hidden caption, column headers, rows. */
export const dataTable = (cls: string, caption: string, cols: string[], rows: Node[]) =>
  h(
    "table",
    { class: `responsive ${cls}` },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", null, h("tr", null, ...cols.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", null, ...rows),
  );
