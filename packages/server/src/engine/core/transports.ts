import type { TransportName } from "./contract.js";

/**
 * What the core knows of each Engine.IO transport kind, by name: how a session starts on it
 * and what it may upgrade to. The core checks requests against this table (`verify.ts`);
 * each front builds the transports themselves (Node: `node/polling.ts`, `node/websocket.ts`),
 * and each transport object carries its own capabilities (`Transport.duplex`, `upgradesTo`).
 */
export interface TransportKind {
  readonly name: TransportName;
  /** A session starts on it with a plain HTTP request, or with an HTTP upgrade. */
  readonly opensOn: "request" | "upgrade";
  /** Transports a session on this one may upgrade to (the OPEN packet's `upgrades`). */
  readonly upgradesTo: readonly TransportName[];
  /** Whether it is a persistent full-duplex channel (see `Transport.duplex`). */
  readonly duplex: boolean;
}

const POLLING: TransportKind = Object.freeze({
  name: "polling",
  opensOn: "request",
  upgradesTo: Object.freeze(["websocket"]) as readonly TransportName[],
  duplex: false,
});

const WEBSOCKET: TransportKind = Object.freeze({
  name: "websocket",
  opensOn: "upgrade",
  upgradesTo: Object.freeze([]) as readonly TransportName[],
  duplex: true,
});

/** Every transport kind the engine speaks, by name. */
export const TRANSPORTS: Readonly<Record<TransportName, TransportKind>> = Object.freeze({
  polling: POLLING,
  websocket: WEBSOCKET,
});

/** The kind a request's `transport` query names, if it is one. */
export function transportKind(name: string | null): TransportKind | undefined {
  return name === "polling" || name === "websocket" ? TRANSPORTS[name] : undefined;
}
