import { type AdapterNamespace, ClusterAdapter, type ClusterMessage } from "../../src/index.js";

/** Servers of one process sharing an in-process bus: a cluster with a short request timeout. */
export function quickBus(requestsTimeout: number) {
  const members = new Set<ClusterAdapter>();
  return class QuickBus extends ClusterAdapter {
    constructor(nsp: AdapterNamespace) {
      super(nsp, { heartbeatInterval: 50, heartbeatTimeout: 2000, requestsTimeout });
      members.add(this);
    }
    protected doPublish(message: ClusterMessage): void {
      for (const peer of members) {
        if (peer !== this) setImmediate(() => peer.onMessage(structuredClone(message)));
      }
    }
    override close(): void {
      super.close();
      members.delete(this);
    }
    /** Other servers this one has heard from. */
    get peers(): number {
      return this.liveNodes().length;
    }
  };
}
