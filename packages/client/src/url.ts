export interface ParsedUri {
  /** `protocol://host:port` of the server. */
  origin: string;
  /** The namespace: the URL's path, `/` when it has none. */
  nsp: string;
  /** The URL's query string, without `?`. */
  query: string;
}

/**
 * Resolves what `io()` was given against the page's `location`: nothing means the page's
 * origin (outside a page, `http://localhost`, where socket.io-client's Manager goes too), `/chat` is a namespace on the page's origin, `//host` takes the page's protocol,
 * and a bare `host:port` gets one (the page's, else `https:`).
 */
export function parseUri(uri: string | undefined): ParsedUri {
  const loc = (globalThis as { location?: { protocol: string; host: string } }).location;
  let s = uri ?? "";
  if (s === "" || (s.startsWith("/") && !s.startsWith("//"))) {
    // Outside a page, engine.io-client's default host: http://localhost.
    s = `${loc ? `${loc.protocol}//${loc.host}` : "http://localhost"}${s}`;
  } else if (s.startsWith("//")) {
    s = `${loc?.protocol ?? "https:"}${s}`;
  } else if (!/^[a-z][a-z\d+.-]*:\/\//i.test(s)) {
    s = `${loc?.protocol ?? "https:"}//${s}`;
  }
  const url = new URL(s);
  return {
    origin: `${url.protocol}//${url.host}`,
    nsp: url.pathname || "/",
    query: url.search.slice(1),
  };
}
