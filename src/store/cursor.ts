import { base64url } from "../lib/crypto";

// Opaque keyset cursors: the id of the last item returned. Ids are ULID-based and
// unique, so "id < cursor" pages stay stable while new items arrive at the top.
// Decoding belongs to the query schemas (src/api/schemas.ts): the store receives ids.
export function encodeCursor(id: string): string {
  return base64url(new TextEncoder().encode(JSON.stringify({ k: id })));
}

/** The id inside a cursor, or null when it is not one of ours (or not of this kind of id). */
export function decodeCursor(cursor: string, idPattern: RegExp): string | null {
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const parsed = JSON.parse(json) as { k?: unknown };
    if (typeof parsed.k === "string" && idPattern.test(parsed.k)) return parsed.k;
  } catch {
    // not base64 or not JSON: not a cursor
  }
  return null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Rows fetched with LIMIT n+1: the extra row only tells whether a next page exists. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  idOf: (r: R) => string,
  map: (r: R) => T,
): Page<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(map),
    next_cursor: rows.length > limit && last ? encodeCursor(idOf(last)) : null,
  };
}
