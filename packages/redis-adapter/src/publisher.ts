import type { Logger } from "./logger.js";
import { type PubSubMode, publishOn, type RedisPublisher, resolvePubSub } from "./redis-client.js";

/**
 * Publishes in call order. Until the Pub/Sub mode is known (the first `auto` detection),
 * messages wait in line; after that they go straight to the client, which pipelines them in
 * order on its one connection.
 */
export class OrderedPublisher {
  readonly client: RedisPublisher;
  readonly ready: Promise<"sharded" | "classic">;
  #mode: "sharded" | "classic" | undefined;
  #waiting = 0;
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(client: RedisPublisher, mode: PubSubMode, logger: Logger) {
    this.client = client;
    this.ready = resolvePubSub(client, mode, logger).then((m) => {
      this.#mode = m;
      return m;
    });
  }

  /** The Pub/Sub mode, once known. */
  get mode(): "sharded" | "classic" | undefined {
    return this.#mode;
  }

  send(channel: string, payload: string | Buffer): Promise<unknown> {
    const mode = this.#mode;
    let sent: Promise<unknown>;
    if (mode !== undefined && this.#waiting === 0) {
      sent = publishOn(this.client, mode, channel, payload);
    } else {
      this.#waiting++;
      sent = this.ready.then((m) => {
        this.#waiting--;
        return publishOn(this.client, m, channel, payload);
      });
    }
    this.#inflight.add(sent);
    const forget = () => this.#inflight.delete(sent);
    sent.then(forget, forget);
    return sent;
  }

  /** Settles once everything sent so far has been answered by Redis (or failed). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }
}
