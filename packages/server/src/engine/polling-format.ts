import {
  decodePayload,
  encodeBase64,
  encodeEnginePacketAsText,
  RECORD_SEPARATOR,
} from "@parley/protocol";
import type { PreparedMessage } from "./core/contract.js";
import { isPrepared, type OutgoingItem } from "./core/transport.js";
import type { PollingBody, PollingFormat } from "./wire-format.js";

/** Engine.IO v4 long-polling bodies, runtime-neutral: every front's polling transport uses it. */

/** A broadcast's frames as polling text (`4…` or `b<base64>`), encoded once for all sessions. */
export function pollingFrames(message: PreparedMessage): readonly string[] {
  const cached = message.cache.get("polling") as readonly string[] | undefined;
  if (cached !== undefined) return cached;
  const frames = message.frames.map((f) =>
    typeof f === "string" ? `4${f}` : `b${encodeBase64(f)}`,
  );
  message.cache.set("polling", frames);
  return frames;
}

function encodeItems(items: readonly OutgoingItem[]): PollingBody {
  let body = "";
  let wantsCompression = false;
  let first = true;
  for (const item of items) {
    if (isPrepared(item)) {
      if (item.options.compress !== false) wantsCompression = true;
      for (const frame of pollingFrames(item)) {
        body = first ? frame : body + RECORD_SEPARATOR + frame;
        first = false;
      }
    } else {
      if (item.compress !== false) wantsCompression = true;
      const frame = encodeEnginePacketAsText(item);
      body = first ? frame : body + RECORD_SEPARATOR + frame;
      first = false;
    }
  }
  return { body, compress: wantsCompression };
}

/** Engine.IO v4 polling: text bodies only, packets joined by `\x1e`, binary as `b<base64>`. */
export const ENGINE_V4_POLLING: PollingFormat = {
  encode: encodeItems,
  binaryBodies: false,
  decode: (body, _binary, maxPackets) => decodePayload(body.toString("utf8"), { maxPackets }),
};
