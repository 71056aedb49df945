import type { INestApplicationContext } from "@nestjs/common";
import { IoAdapter } from "@nestjs/platform-socket.io";
import { Server, type ServerOptions } from "@parley/server";

/** What `@WebSocketGateway(port, options)` hands the adapter, as `IoAdapter` declares it. */
type GatewayServerOptions = NonNullable<Parameters<IoAdapter["createIOServer"]>[1]>;
type IoServer = ReturnType<IoAdapter["createIOServer"]>;

/**
 * Runs NestJS gateways on a Parley server: `app.useWebSocketAdapter(new ParleyIoAdapter(app))`.
 *
 * `IoAdapter` does everything else (binding `@SubscribeMessage` handlers, turning a handler's
 * return value into the ack, the `exception` event of `WsException`, lifecycle hooks,
 * namespaces); only the server it creates changes. Parley's `Server` has the API those parts
 * use (`of`, `on("connection")`, `close`, sockets with `on`/`once`/`emit`/`join`), so the
 * gateway's `@WebSocketServer()` and `@ConnectedSocket()` are Parley objects at run time:
 * type them with `@parley/server`'s `Server` and `Socket`.
 *
 * `defaults` are Parley server options for every gateway (an `adapter` for a cluster, say);
 * a gateway's own options override them. An option Parley does not support throws when the
 * gateway starts, naming the alternative (never silently ignored).
 */
export class ParleyIoAdapter extends IoAdapter {
  readonly #defaults: ServerOptions;

  constructor(app?: INestApplicationContext, defaults: ServerOptions = {}) {
    super(app);
    this.#defaults = defaults;
  }

  override createIOServer(port: number, options?: GatewayServerOptions): IoServer {
    // The gateway's options are socket.io's; Parley takes the same names and checks them.
    const opts: ServerOptions = { ...this.#defaults, ...(options as ServerOptions | undefined) };
    // Port 0 (the default): share the Nest application's HTTP server, as IoAdapter does.
    const server =
      this.httpServer !== undefined && this.httpServer !== null && port === 0
        ? new Server(this.httpServer, opts)
        : new Server(port, opts);
    // IoAdapter's signature names socket.io's Server; every member it calls exists on Parley's.
    return server as unknown as IoServer;
  }
}
