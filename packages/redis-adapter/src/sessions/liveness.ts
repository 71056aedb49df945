/**
 * Which other nodes are alive, from their heartbeats on the shared channel. A node is alive
 * from the first message heard from it until `timeout` ms pass without another one, or until
 * it says BYE. Decisions are local and synchronous: routing a request costs no round trip.
 */
export class NodeTable {
  readonly #timeout: number;
  readonly #lastSeen = new Map<string, number>();

  constructor(timeoutMs: number) {
    this.#timeout = timeoutMs;
  }

  /** Records a sign of life; true when the node was not known (or counted dead) before. */
  heard(nodeId: string, now = performance.now()): boolean {
    const last = this.#lastSeen.get(nodeId);
    this.#lastSeen.set(nodeId, now);
    return last === undefined || now - last > this.#timeout;
  }

  isAlive(nodeId: string, now = performance.now()): boolean {
    const last = this.#lastSeen.get(nodeId);
    return last !== undefined && now - last <= this.#timeout;
  }

  forget(nodeId: string): boolean {
    return this.#lastSeen.delete(nodeId);
  }

  /** Drops the nodes not heard from within the timeout and returns them. */
  sweep(now = performance.now()): string[] {
    const dead: string[] = [];
    for (const [nodeId, last] of this.#lastSeen) {
      if (now - last > this.#timeout) dead.push(nodeId);
    }
    for (const nodeId of dead) this.#lastSeen.delete(nodeId);
    return dead;
  }

  /** The ids of the nodes currently alive. */
  alive(now = performance.now()): string[] {
    const ids: string[] = [];
    for (const [nodeId, last] of this.#lastSeen) if (now - last <= this.#timeout) ids.push(nodeId);
    return ids;
  }
}
