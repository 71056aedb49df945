import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { responseBody } from "./responses.js";

/**
 * A stand-in for Node's `ServerResponse` with only `writeHead` and `end`, whose answer
 * becomes a Fetch `Response`: lets code that answers through those two calls (the client
 * bundle server, `serve-client.ts`) answer on Bun unchanged.
 */
export function responseRecorder(): { res: ServerResponse; response: Promise<Response> } {
  let resolve!: (response: Response) => void;
  const response = new Promise<Response>((r) => {
    resolve = r;
  });
  let status = 200;
  const headers = new Headers();
  const recorder = {
    headersSent: false,
    writeHead(code: number, head?: OutgoingHttpHeaders) {
      status = code;
      for (const name in head) {
        const value = head[name];
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else headers.set(name, String(value));
      }
      recorder.headersSent = true;
      return recorder;
    },
    end(body?: string | Uint8Array) {
      // A null-body status (204, 304) may not carry a body, even an empty one.
      const empty = status === 204 || status === 304 || body === undefined;
      resolve(new Response(empty ? null : responseBody(body), { status, headers }));
      return recorder;
    },
  };
  return { res: recorder as unknown as ServerResponse, response };
}
