/** crondo's version: the User-Agent of every request it sends, and the OpenAPI document's. */
export const VERSION = "0.1.0";
