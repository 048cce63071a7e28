/** One JSON object per line, so `wrangler tail --format json` users can filter on fields. */
export function log(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, at: new Date().toISOString(), ...fields }));
}
