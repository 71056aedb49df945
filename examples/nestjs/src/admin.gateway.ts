import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from "@nestjs/websockets";
import type { Namespace } from "@parley/server";

/** A gateway on its own namespace: `@WebSocketServer()` is then that Parley `Namespace`. */
@WebSocketGateway({ namespace: "/admin" })
export class AdminGateway {
  @WebSocketServer()
  nsp!: Namespace;

  /** How many sockets the main namespace has, across the cluster if there is one. */
  @SubscribeMessage("stats")
  async stats(@MessageBody() room?: string): Promise<{ nsp: string; sockets: number }> {
    const main = this.nsp.server.of("/");
    const sockets = await (room === undefined ? main : main.in(room)).fetchSockets();
    return { nsp: this.nsp.name, sockets: sockets.length };
  }
}
