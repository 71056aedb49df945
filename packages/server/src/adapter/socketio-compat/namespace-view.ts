import { encodePacket, type Packet, type RawData } from "@parley/protocol";
import type { AdapterNamespace } from "../adapter.js";
import { PreparedCache, SocketsView } from "./socket-view.js";
import type { SioEncoder, SioNamespace } from "./types.js";

/**
 * A Parley namespace as socket.io-adapter sees its `nsp` (a socket.io `Namespace`): its name,
 * `server.encoder` and `server.opts.connectionStateRecovery`, `sockets`, the `_ids` ack
 * counter and `_onServerSideEmit`. Each reads Parley's namespace at the time of the call, so
 * nothing is copied or kept in sync. One per hosted adapter.
 */
export class NamespaceView implements SioNamespace {
  readonly #nsp: AdapterNamespace;
  readonly sockets: SocketsView;
  readonly server: SioNamespace["server"];

  constructor(nsp: AdapterNamespace) {
    this.#nsp = nsp;
    this.sockets = new SocketsView(nsp.sockets, new PreparedCache());
    const encoder: SioEncoder = {
      // The server's parser (the `parser` option) or Parley's codec: what Parley's own
      // adapters use, so a broadcast is encoded the same whichever adapter sends it.
      encode: (packet: Packet): RawData[] => [
        ...(nsp._encode === undefined ? encodePacket(packet) : nsp._encode(packet)),
      ],
    };
    this.server = {
      encoder,
      opts: {
        get connectionStateRecovery() {
          return nsp._recovery;
        },
      },
    };
  }

  get name(): string {
    return this.#nsp.name;
  }

  /**
   * @internal `packet.id = nsp._ids++`: reading takes Parley's next ack id (unique within the namespace,
   * shared with `socket.emit`'s acks); the write-back of `++` is ignored.
   */
  get _ids(): number {
    return this.#nsp._nextAckId();
  }

  /** @internal */
  set _ids(_next: number) {}

  /** @internal */
  _onServerSideEmit(args: unknown[]): void {
    this.#nsp._onServerSideEmit(args);
  }
}
