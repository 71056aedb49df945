import { Inject } from "@nestjs/common";
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  WsException,
  type WsResponse,
} from "@nestjs/websockets";
import type { Server, Socket } from "@parley/server";
import { PresenceService } from "./presence.service.js";

interface SayBody {
  room: string;
  text: string;
}

/**
 * A chat gateway. With `ParleyIoAdapter`, `server` is a Parley `Server` and each client a
 * Parley `Socket`. Port 0 (the default) shares the Nest application's HTTP server.
 */
@WebSocketGateway({ cors: { origin: "*" } })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer()
  server!: Server;

  // An explicit token: injection then works without emitDecoratorMetadata too (test runners
  // that compile with esbuild or oxc do not all record parameter types).
  constructor(@Inject(PresenceService) private readonly presence: PresenceService) {}

  afterInit(server: Server): void {
    this.presence.record(`init:${server.constructor.name}`);
  }

  handleConnection(client: Socket): void {
    this.presence.online.add(client.id);
    this.presence.record(`connect:${client.id}`);
    client.emit("welcome", { id: client.id, online: this.presence.online.size });
  }

  handleDisconnect(client: Socket): void {
    this.presence.online.delete(client.id);
    this.presence.record(`disconnect:${client.id}`);
  }

  /** The return value becomes the client's ack. */
  @SubscribeMessage("echo")
  echo(@MessageBody() data: unknown): unknown {
    return data;
  }

  /** A `WsException` reaches the client as an `exception` event (and no ack). */
  @SubscribeMessage("sum")
  sum(@MessageBody() numbers: unknown): number {
    if (!Array.isArray(numbers) || !numbers.every((n) => typeof n === "number")) {
      throw new WsException("sum expects an array of numbers");
    }
    return numbers.reduce((a: number, b: number) => a + b, 0);
  }

  /** Async handlers work the same: the ack waits for the promise. */
  @SubscribeMessage("join")
  async join(@ConnectedSocket() client: Socket, @MessageBody() room: string): Promise<string[]> {
    await client.join(room);
    return [...client.rooms].filter((r) => r !== client.id);
  }

  @SubscribeMessage("leave")
  async leave(@ConnectedSocket() client: Socket, @MessageBody() room: string): Promise<boolean> {
    await client.leave(room);
    return true;
  }

  /** To the room's other members, through the server-wide operator. */
  @SubscribeMessage("say")
  say(@ConnectedSocket() client: Socket, @MessageBody() body: SayBody): number {
    this.server.to(body.room).except(client.id).emit("said", { from: client.id, text: body.text });
    return this.server.of("/").adapter.rooms.get(body.room)?.size ?? 0;
  }

  /** A `WsResponse` is emitted to the client as an event instead of an ack. */
  @SubscribeMessage("ping")
  ping(@MessageBody() n: number): WsResponse<number> {
    return { event: "pong", data: n + 1 };
  }
}
