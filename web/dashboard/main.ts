// crondo dashboard: layout, sign-in gate and hash routing. Served at / by the Worker's
// static assets; talks only to /v1/cron/* on the same origin.
import "uplot/dist/uPlot.min.css";
import "./styles/base.css";
import "./styles/forms.css";
import "./styles/views.css";
import "./styles/overview.css";
import { loadAccess, onUnauthorized, session } from "./api";
import { errorPanel, h, replace, title } from "./dom";
import { relative } from "./format";
import { links, parseRoute } from "./router";
import { formView } from "./views/form";
import { jobView } from "./views/job";
import { jobsView } from "./views/jobs";
import { overviewView } from "./views/overview";
import { runView } from "./views/run";
import { renderSignIn } from "./views/signin";

const main = h("main", { id: "main", tabindex: -1 });
const signOut = h("button", { type: "button", class: "link-button" }, "Sign out");
const navLinks = {
  overview: h("a", { href: links.overview() }, "Overview"),
  jobs: h("a", { href: links.jobs() }, "Jobs"),
  create: h("a", { href: links.create() }, "New job"),
};
const nav = h(
  "nav",
  { class: "top-nav", "aria-label": "Main" },
  navLinks.overview,
  navLinks.jobs,
  navLinks.create,
  h("a", { href: "/docs/" }, "API reference"),
  signOut,
);
const skip = h("a", { href: "#main", class: "skip-link" }, "Skip to content");
skip.addEventListener("click", (ev) => {
  ev.preventDefault(); // #main would be read as a route
  main.focus();
});
document.body.replaceChildren(
  skip,
  h("header", { class: "top" }, h("a", { href: links.jobs(), class: "brand" }, "crondo"), nav),
  main,
  h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite" }),
);

let controller: AbortController | undefined;
let signInMessage = "";

function render(moveFocus: boolean) {
  controller?.abort();
  controller = new AbortController();
  const ctx = { root: main, signal: controller.signal };
  const signedIn = session.key() !== null;
  nav.hidden = !signedIn;
  if (!signedIn) {
    renderSignIn(main, signInMessage, () => {
      signInMessage = "";
      render(true);
    });
    return;
  }
  if (!session.access()) {
    // After a reload the key is known but not its scopes: learn them before any view.
    replace(main, h("p", { class: "muted loading" }, "Loading…"));
    const signal = controller.signal;
    loadAccess(signal).then(
      () => {
        if (!signal.aborted) render(moveFocus);
      },
      (e) => {
        if (!signal.aborted && session.key() !== null)
          replace(
            main,
            title("crondo"),
            errorPanel(e, () => render(true)),
          );
      },
    );
    return;
  }
  // A read-only key cannot create jobs: no link to a form it could not send.
  navLinks.create.hidden = !session.canWrite();
  const route = parseRoute(location.hash);
  navLinks.jobs.toggleAttribute("aria-current", route.name === "jobs");
  navLinks.overview.toggleAttribute("aria-current", route.name === "overview");
  navLinks.create.toggleAttribute("aria-current", route.name === "new");
  replace(main, h("p", { class: "muted loading" }, "Loading…"));
  let view: Promise<void>;
  switch (route.name) {
    case "jobs":
      view = jobsView({ ...ctx, route });
      break;
    case "overview":
      view = overviewView({ ...ctx, route });
      break;
    case "job":
      view = jobView({ ...ctx, route });
      break;
    case "new":
    case "edit":
      view = formView({ ...ctx, route });
      break;
    case "run":
      view = runView({ ...ctx, route });
      break;
    default:
      replace(
        main,
        title("Page not found"),
        h("p", null, h("a", { href: links.jobs() }, "Go to the jobs")),
      );
      view = Promise.resolve();
  }
  const signal = controller.signal;
  view.then(() => {
    if (moveFocus && !signal.aborted) main.querySelector<HTMLElement>("h1")?.focus();
  });
}

onUnauthorized((message) => {
  signInMessage = message || "Sign in to continue.";
  render(true);
});
signOut.addEventListener("click", () => {
  session.signOut();
  signInMessage = "You are signed out.";
  render(true);
});
window.addEventListener("hashchange", () => render(true));

// Relative times ("in 3 min") stay true while a view is open.
setInterval(() => {
  for (const el of document.querySelectorAll<HTMLElement>("[data-rel]"))
    el.textContent = relative(el.dataset.rel ?? null);
}, 10_000);

render(false);
