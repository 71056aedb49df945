import type { SendCallback } from "./contract.js";
import type { OutgoingItem } from "./transport.js";

/**
 * Packets a session holds until its transport can take them: a polling session between two
 * GETs, a probe holding packets back for the new transport, a WebSocket behind what it
 * already buffers. Made when the first packet has to wait and handed whole to the transport,
 * so a session with nothing waiting (most of its life) holds one null field, not three.
 */
export class PendingWrites {
  readonly items: OutgoingItem[] = [];
  /** What the items weigh against the send-buffer limit (`itemSize`). */
  bytes = 0;
  /** The send callbacks of the items, in order; null while none asked for one. */
  callbacks: SendCallback[] | null = null;

  push(item: OutgoingItem, size: number, callback: SendCallback | undefined): void {
    this.items.push(item);
    this.bytes += size;
    if (callback === undefined) return;
    if (this.callbacks === null) this.callbacks = [callback];
    else this.callbacks.push(callback);
  }
}
