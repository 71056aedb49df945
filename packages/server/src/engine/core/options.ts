import type { RawData } from "@parley/protocol";
import type { TransportName } from "./contract.js";
import type { SessionBinding } from "./session-binding.js";

/** engine.io's `allowRequest`: decide a handshake from the runtime's own request object. */
export type AllowRequestHook<Req> = (
  req: Req,
  callback: (err: string | null | undefined, success: boolean) => void,
) => void;

/**
 * The options the core reads (resolved, every default applied). The Node front's
 * `ResolvedOptions` is one, with Node-only options (CORS, cookie, compression, deflate) next
 * to these; another front resolves the same fields from the same `EngineOptions`.
 */
export interface CoreOptions<Req = unknown> {
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly upgradeTimeout: number;
  readonly maxHttpBufferSize: number;
  readonly transports: ReadonlySet<TransportName>;
  readonly allowUpgrades: boolean;
  readonly allowRequest: AllowRequestHook<Req> | undefined;
  readonly maxBufferedBytes: number;
  readonly initialPacket: RawData | undefined;
  readonly allowEIO3: boolean;
  /** `sessionBinding`: checked on every request naming a session; null or absent when off. */
  readonly sessionBinding?: SessionBinding | null;
}
