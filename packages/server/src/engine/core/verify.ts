import type { HandshakeInfo, TransportName } from "./contract.js";
import { EngineErrorCode, EngineErrorMessage, type Refusal } from "./errors.js";
import type { CoreOptions } from "./options.js";
import type { RequestRecord } from "./request.js";
import type { Session } from "./session.js";
import { BINDING_MISMATCH_MESSAGE } from "./session-binding.js";
import { transportKind } from "./transports.js";

export type Verdict<Req = unknown, Info extends HandshakeInfo = HandshakeInfo> =
  | Refusal
  | { readonly session: Session<Req, Info> }
  | { readonly handshake: true };

export interface VerifyContext<Req, Info extends HandshakeInfo> {
  readonly options: CoreOptions<Req>;
  readonly sessions: ReadonlyMap<string, Session<Req, Info>>;
  reportError(error: unknown): void;
}

// Characters a header value may not hold (field-vchar / obs-text / SP / HTAB are allowed).
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Checks a request for the engine, in engine.io's order: transport, Origin syntax, then either
 * the session it names (protocol, transport, upgrade rules) or the handshake rules (GET only,
 * WebSocket only over an upgrade, EIO=4 or `allowEIO3`, `allowRequest`). Synchronous unless `allowRequest`
 * is set: a handshake pays for no promise it does not need.
 */
export function verifyRequest<Req, Info extends HandshakeInfo>(
  ctx: VerifyContext<Req, Info>,
  req: RequestRecord<Req>,
  upgrade: boolean,
): Verdict<Req, Info> | Promise<Verdict<Req, Info>> {
  const query = req.query;
  const transport = query.get("transport");
  const kind = transportKind(transport);
  if (kind === undefined || !ctx.options.transports.has(transport as TransportName)) {
    return { code: EngineErrorCode.UNKNOWN_TRANSPORT, context: { transport } };
  }
  const origin = req.headers.origin;
  if (typeof origin === "string" && INVALID_HEADER_CHAR.test(origin)) {
    return { code: EngineErrorCode.BAD_REQUEST, context: { name: "INVALID_ORIGIN", origin } };
  }
  const protocol = query.get("EIO");
  const sid = query.get("sid");
  if (sid !== null) {
    const session = ctx.sessions.get(sid);
    if (session === undefined || session._expireIfOverdue()) {
      return { code: EngineErrorCode.UNKNOWN_SID, context: { sid } };
    }
    // Refused before anything reaches the session: a stolen sid can neither take it over
    // nor end it (an overlapping GET would).
    const binding = ctx.options.sessionBinding;
    if (binding != null && !binding.allows(session, req)) {
      return {
        code: EngineErrorCode.FORBIDDEN,
        context: { name: "SESSION_BINDING_MISMATCH", sid, mode: binding.mode },
        body: BINDING_MISMATCH_MESSAGE,
      };
    }
    const current = session.transport.name;
    // Before the revision, as engine.io (which has only this check) reports it.
    if (!upgrade && current !== transport) {
      return {
        code: EngineErrorCode.BAD_REQUEST,
        context: { name: "TRANSPORT_MISMATCH", transport, previousTransport: current },
      };
    }
    // A v3 session keeps the revision of its handshake whatever later requests say, as
    // engine.io does (its transports read EIO once).
    if (protocol !== "4" && session.protocol === 4) {
      return {
        code: EngineErrorCode.BAD_REQUEST,
        context: {
          name: "PROTOCOL_MISMATCH",
          protocol: protocolNumber(protocol),
          previousProtocol: 4,
        },
      };
    }
    // An upgrade naming a session that cannot take it (already upgraded or upgrading,
    // closing, upgrades off) is not refused here: as engine.io, the WebSocket handshake
    // completes and the session closes that WebSocket (Session#startProbe).
    return { session };
  }
  if (req.method !== "GET") {
    return { code: EngineErrorCode.BAD_HANDSHAKE_METHOD, context: { method: req.method } };
  }
  if ((kind.opensOn === "upgrade") !== upgrade) {
    return { code: EngineErrorCode.BAD_REQUEST, context: { name: "TRANSPORT_HANDSHAKE_ERROR" } };
  }
  // Anything but EIO=4 (none included) is a v3 client, as engine.io reads it.
  if (protocol !== "4" && !ctx.options.allowEIO3) {
    return {
      code: EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
      context: { protocol: protocolNumber(protocol) },
    };
  }
  const allowRequest = ctx.options.allowRequest;
  if (allowRequest === undefined) return HANDSHAKE;
  return askAllowRequest(ctx, req.native, allowRequest);
}

/** The protocol revision as engine.io reports it: 4 for `EIO=4`, else 3 (its default). */
function protocolNumber(eio: string | null): number {
  return eio === "4" ? 4 : 3;
}

const HANDSHAKE: { readonly handshake: true } = Object.freeze({ handshake: true });

async function askAllowRequest<Req, Info extends HandshakeInfo>(
  ctx: VerifyContext<Req, Info>,
  req: Req,
  allowRequest: NonNullable<CoreOptions<Req>["allowRequest"]>,
): Promise<Verdict<Req, Info>> {
  {
    const reason = await new Promise<string | null>((resolve) => {
      try {
        allowRequest(req, (err, success) =>
          resolve(success ? null : typeof err === "string" && err ? err : EngineErrorMessage[4]),
        );
      } catch (error) {
        ctx.reportError(error);
        resolve(EngineErrorMessage[4]);
      }
    });
    if (reason !== null) {
      return { code: EngineErrorCode.FORBIDDEN, context: { message: reason }, body: reason };
    }
  }
  return HANDSHAKE;
}
