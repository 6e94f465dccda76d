/**
 * docker-modem builds the query string of every `…?` endpoint (container, network and volume
 * create) from the WHOLE options object unless `_query` is given, and sends `_body` (or the whole
 * object) as the JSON body. A container's create options hold its environment, i.e. the stack's
 * secrets, and request URLs are what socket proxies and `dockerd --debug` log. Everything goes in
 * the body; only what the Engine API wants in the URL (the container name) goes in `_query`.
 */
export function bodyOnly<T extends object>(body: T, query: Record<string, string> = {}): T {
  return { _query: query, _body: body } as unknown as T
}
