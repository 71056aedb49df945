import type { IncomingMessage } from "node:http";
import type { ConnectionRateLimitOptions } from "./options.js";

/** Reads the address a handshake is counted under; undefined: not counted. */
export type AddressReader = (req: IncomingMessage) => string | undefined;

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client (dual-stack sockets report the former). */
function plain(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

function peerAddress(req: IncomingMessage): string | undefined {
  const address = req.socket?.remoteAddress;
  return address === undefined ? undefined : plain(address);
}

/**
 * The reader for `connections`: the TCP peer by default; with `trustProxy` the address `n`
 * proxies from the right in `X-Forwarded-For` (the rightmost entries were appended by proxies
 * you run; the leftmost are whatever the client wrote). A request with fewer entries than
 * trusted hops is counted under its TCP peer.
 */
export function addressReader(opts: ConnectionRateLimitOptions): AddressReader {
  if (opts.address !== undefined) {
    if (typeof opts.address !== "function") {
      throw new TypeError(
        "option rateLimit.connections.address must be a function (req) => string",
      );
    }
    return opts.address;
  }
  const trust = opts.trustProxy ?? false;
  const hops = trust === true ? 1 : trust === false ? 0 : trust;
  if (!Number.isInteger(hops) || hops < 0) {
    throw new TypeError(
      `option rateLimit.connections.trustProxy must be a boolean or an integer >= 0, got ${String(trust)}`,
    );
  }
  if (hops === 0) return peerAddress;
  return (req) => {
    const header = req.headers["x-forwarded-for"];
    const value = Array.isArray(header) ? header.join(",") : header;
    if (value === undefined) return peerAddress(req);
    const entries = value.split(",");
    const entry = entries[entries.length - hops]?.trim();
    return entry === undefined || entry === "" ? peerAddress(req) : plain(entry);
  };
}
