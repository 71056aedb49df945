import type { Packet } from "@parley/protocol";
import type { AdapterNamespace, BroadcastOptions } from "@parley/server";
import type { RedisPublisher } from "../redis-client.js";
import { type DurableHost, DurableSessions } from "./durable-sessions.js";
import type { CommandClient } from "./store.js";
import { encodeStored } from "./stored-message.js";

export {
  DURABLE_MARKER,
  DURABLE_PACKET,
  type DurableHost,
  DurableSessions,
} from "./durable-sessions.js";

/** Default of the adapter's `restoreTimeout` (as the cluster adapter's). */
const RESTORE_TIMEOUT = 500;

type Wiring = Omit<
  DurableHost,
  "uid" | "nsp" | "recovery" | "restoreTimeout" | "client" | "encodeBroadcast"
> & { client: RedisPublisher; restoreTimeout: number | undefined };

/** Durable sessions for one namespace's adapter (`adapter.uid`, `adapter.nsp`). */
export function createDurable(
  adapter: { readonly uid: string; readonly nsp: AdapterNamespace },
  wiring: Wiring,
): DurableSessions {
  const recovery = adapter.nsp._recovery;
  if (recovery === undefined) throw new Error("durable sessions need connectionStateRecovery");
  if ("masters" in wiring.client) {
    throw new Error(
      "durableSessions: not supported on a Redis Cluster client yet (the history script " +
        "publishes to channels of other slots); use a standalone or Sentinel client",
    );
  }
  const { uid, nsp } = adapter;
  return new DurableSessions({
    ...wiring,
    uid,
    nsp,
    recovery,
    restoreTimeout: wiring.restoreTimeout ?? RESTORE_TIMEOUT,
    client: wiring.client as unknown as CommandClient,
    encodeBroadcast: (packet: Packet, opts: BroadcastOptions) => encodeStored(uid, packet, opts),
  });
}
