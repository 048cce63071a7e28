import { ApiKeySchema } from "../models";
import { defineRoute, ok } from "../route";

/** Who am I: lets a client (the dashboard) see what its key may do before it tries. */
export default defineRoute({
  operation: "key.get",
  method: "GET",
  path: "/v1/cron/key",
  tag: "keys",
  doc: {
    summary: "The calling API key: tenant, name, scopes and expiry",
    description:
      'A key with the scopes ["read"] may call the GET operations only; any other answers 403 FORBIDDEN.',
    response: ApiKeySchema,
  },
  mutating: false,
  handler: (c) => {
    const key = c.get("key");
    return ok(c, {
      key_id: c.get("key_hash").slice(0, 12),
      tenant_id: key.tenant_id,
      name: key.name,
      scopes: key.scopes,
      created_at: key.created_at,
      expires_at: key.expires_at,
    });
  },
});
