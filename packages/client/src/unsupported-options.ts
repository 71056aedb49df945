import { NODE_CONNECT_OPTIONS } from "./engine/options.js";

/**
 * socket.io-client options Parley does not implement. Ignoring one would change behaviour
 * without a word (a TLS option, a request timeout), so the Node and npm browser entries throw
 * at construction, naming what to do instead. Options socket.io-client does not know are not
 * checked: it ignores them too. The prebuilt browser bundles skip this check (its table would
 * cost every page ~250 B of the 10 kB budget); docs/COMPATIBILITY.md ("Client") lists the
 * same rows.
 */

/** Option name → why it is refused, given its value (undefined: the value is acceptable). */
const UNSUPPORTED = new Map<string, (value: unknown) => string | undefined>(
  Object.entries({
    forceBase64: (v) =>
      v
        ? "is not supported: binary always goes as binary frames (base64 only over polling)"
        : undefined,
    timestampParam: (v) =>
      v === "t" ? undefined : "is not supported: the cache-busting query parameter is always `t`",
    addTrailingSlash: (v) =>
      v === false
        ? "is not supported: the path always ends with `/`, as servers expect"
        : undefined,
    requestTimeout: () =>
      "is not supported: use the Manager's `timeout` (connection) and the heartbeat (pingTimeout)",
    transportOptions: () =>
      "is not supported: put per-request headers in `extraHeaders` (they apply to both transports)",
    protocols: () => "is not supported: Parley's client sends no WebSocket subprotocol",
    host: () => 'is not supported: give the server in the URL (`io("https://host:port")`)',
    hostname: () => 'is not supported: give the server in the URL (`io("https://host:port")`)',
    port: () => 'is not supported: give the server in the URL (`io("https://host:port")`)',
    secure: () => "is not supported: give the scheme in the URL (`https://` or `wss://`)",
    transports: (v) =>
      Array.isArray(v) &&
      v.some((t) => t !== "polling" && t !== "websocket" && t !== "webtransport")
        ? 'is not supported with transport classes or unknown names: use "polling" and "websocket"'
        : undefined,
  } satisfies Record<string, (value: unknown) => string | undefined>),
);

const NODE_ONLY: ReadonlySet<string> = new Set(NODE_CONNECT_OPTIONS);

/** Node-only options whose value means what a browser does anyway: accepted there too. */
const BROWSER_DEFAULTS: Readonly<Record<string, unknown>> = {
  rejectUnauthorized: true,
  agent: false,
};

/**
 * Throws a TypeError naming the first socket.io-client option Parley does not implement. The
 * Node entry takes the TLS and agent options (NodeConnectOptions); the browser entry
 * (`node: false`) refuses them, as a page cannot set them.
 */
export function assertSupportedOptions(opts: object | undefined, node: boolean): void {
  if (!opts) return;
  for (const [name, value] of Object.entries(opts)) {
    const reason =
      value === undefined
        ? undefined
        : !node && NODE_ONLY.has(name) && BROWSER_DEFAULTS[name] !== value
          ? "is Node-only: a browser applies its own TLS and connection settings"
          : UNSUPPORTED.get(name)?.(value);
    if (reason !== undefined) throw new TypeError(`Parley client: option "${name}" ${reason}`);
  }
}
