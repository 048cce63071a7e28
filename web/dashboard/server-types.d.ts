// The dashboard takes the API's types from src/client, and tsc follows those type imports
// into the server modules that declare them. One of them, src/store/stats.ts (JobStats),
// names the Workers global D1Database; it is declared here from the module form of
// @cloudflare/workers-types, as a type only, so no Worker global becomes usable in the
// browser code. Nothing of it reaches the bundle (the client imports JobStats as a type).
type D1Database = import("@cloudflare/workers-types").D1Database;
