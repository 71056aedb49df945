import { ProtocolError } from "@parley/protocol";
import { decodePayloadV3, ProtocolErrorCodeV3 } from "@parley/protocol/v3";
import type { PollingBody, PollingFormat } from "../wire-format.js";
import { encodeTextBody } from "./polling-format.js";

/**
 * JSONP long-polling for Engine.IO v3 clients that cannot use XHR (engine.io-client 3.x's
 * `forceJSONP`, or old browsers without CORS), chosen when the handshake carries `j=<index>`:
 * - a GET is answered with JavaScript, `___eio[<index>]("<v3 text payload>");`, the payload
 *   as a JSON string literal with U+2028/U+2029 escaped (JSON allows them, JavaScript did not);
 * - a POST is a form, `d=<v3 text payload>`, whose newlines the client escaped as `\n` (and
 *   literal `\n` as `\\n`): undone here before the payload is decoded.
 * Always text: JSONP cannot carry binary responses, so binary travels as `b4<base64>`.
 */
export class JsonpPollingFormat implements PollingFormat {
  readonly binaryBodies = false;
  readonly #head: string;

  /** `index`: the client's `j` query parameter (only its digits are kept). */
  constructor(index: string) {
    this.#head = `___eio[${index.replace(/[^0-9]/g, "")}](`;
  }

  encode(items: Parameters<PollingFormat["encode"]>[0]): PollingBody {
    const { body, compress } = encodeTextBody(items);
    const literal = JSON.stringify(body)
      .replace(/\u2028/g, "\\u2028")
      .replace(/\u2029/g, "\\u2029");
    return { body: `${this.#head}${literal});`, compress };
  }

  decode(body: Buffer, _binary: boolean, maxPackets: number) {
    const data = new URLSearchParams(body.toString("utf8")).get("d");
    if (data === null) {
      return new ProtocolError(
        ProtocolErrorCodeV3.INVALID_PAYLOAD_FRAMING,
        "JSONP polling body without its `d` field",
      );
    }
    return decodePayloadV3(unescapeNewlines(data), { maxPackets });
  }
}

/** `\n` (not preceded by a backslash) → newline; then `\\n` → `\n`. */
function unescapeNewlines(data: string): string {
  return data
    .replace(/(\\)?\\n/g, (match, slash: string | undefined) => (slash ? match : "\n"))
    .replace(/\\\\n/g, "\\n");
}
