import { once } from "node:events";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";

/**
 * The client's headers without the hop-by-hop ones, as a proxy must send them: a client's
 * `Connection: close` forwarded on a pooled keep-alive connection made Bun close it while the
 * agent still reused it ("socket hang up" on the next request).
 */
function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _connection, "keep-alive": _keepAlive, ...rest } = headers;
  return rest;
}

export type ProxyPolicy = (kind: "request" | "upgrade", req: IncomingMessage) => number | undefined;

/**
 * A plain round-robin HTTP balancer, as a test fixture: each HTTP request goes to the next
 * backend in turn (whatever its session), each upgrade is piped as raw TCP to the next one.
 * A backend that refuses the connection is skipped, as a balancer's health check would. A
 * `policy` may pick the backend instead (to force the worst case: never the owner).
 */
export class RoundRobinProxy {
  readonly ports: number[];
  /** HTTP requests each backend was sent. */
  readonly requests: number[];
  /** Upgrades each backend was sent. */
  readonly upgrades: number[];
  policy: ProxyPolicy | undefined;
  readonly #server: Server;
  readonly #agent = new Agent({ keepAlive: true });
  readonly #sockets = new Set<Duplex>();
  /** Backends that refused a connection: skipped from then on, as a health check would. */
  readonly #down = new Set<number>();
  #next = 0;

  constructor(ports: number[]) {
    this.ports = ports;
    this.requests = ports.map(() => 0);
    this.upgrades = ports.map(() => 0);
    this.#server = createServer((req, res) => this.#onRequest(req, res));
    this.#server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
  }

  async listen(): Promise<string> {
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#agent.destroy();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  #pick(kind: "request" | "upgrade", req: IncomingMessage): number {
    const chosen = this.policy?.(kind, req);
    if (chosen !== undefined && !this.#down.has(chosen)) return chosen;
    for (let tries = 0; tries < this.ports.length; tries++) {
      const i = this.#next % this.ports.length;
      this.#next++;
      if (!this.#down.has(i)) return i;
    }
    return -1;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => this.#send(req, res, Buffer.concat(chunks), 0));
  }

  #send(req: IncomingMessage, res: ServerResponse, body: Buffer, attempt: number): void {
    const i = attempt >= this.ports.length ? -1 : this.#pick("request", req);
    if (i === -1) {
      res.writeHead(502);
      res.end();
      return;
    }
    const upstream = httpRequest({
      host: "127.0.0.1",
      port: this.ports[i],
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      agent: this.#agent,
    });
    let answered = false;
    upstream.on("response", (answer) => {
      answered = true;
      this.requests[i] = (this.requests[i] ?? 0) + 1;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      if (!answered && err.code === "ECONNREFUSED") {
        this.#down.add(i);
        this.#send(req, res, body, attempt + 1);
      } else {
        res.destroy();
      }
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }

  #onUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, attempt = 0): void {
    client.on("error", () => {});
    const i = attempt >= this.ports.length ? -1 : this.#pick("upgrade", req);
    if (i === -1) {
      client.destroy();
      return;
    }
    const backend: Socket = connect(this.ports[i] as number, "127.0.0.1");
    this.#sockets.add(backend);
    this.#sockets.add(client);
    let connected = false;
    backend.on("connect", () => {
      connected = true;
      this.upgrades[i] = (this.upgrades[i] ?? 0) + 1;
      let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let h = 0; h + 1 < req.rawHeaders.length; h += 2) {
        lines += `${req.rawHeaders[h]}: ${req.rawHeaders[h + 1]}\r\n`;
      }
      backend.write(`${lines}\r\n`);
      if (head.length > 0) backend.write(head);
      backend.pipe(client);
      client.pipe(backend);
    });
    backend.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected && err.code === "ECONNREFUSED") {
        this.#down.add(i);
        this.#onUpgrade(req, client, head, attempt + 1);
      } else client.destroy();
    });
    backend.on("close", () => {
      this.#sockets.delete(backend);
      if (connected) client.destroy();
    });
    client.on("close", () => {
      this.#sockets.delete(client);
      backend.destroy();
    });
  }
}
