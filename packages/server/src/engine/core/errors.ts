/**
 * Engine.IO's numeric error codes, unchanged, so clients and tools written for engine.io read
 * Parley's refusals the same way. Add codes; never renumber.
 */
export const EngineErrorCode = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

export const EngineErrorMessage: Readonly<Record<EngineErrorCode, string>> = {
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
};

/** The HTTP status a refusal is answered with (a front writes it its own way). */
export function statusFor(code: EngineErrorCode): number {
  return code === EngineErrorCode.FORBIDDEN ? 403 : 400;
}

/** The JSON body of a refusal: `{"code":…,"message":…}`. */
export function errorBody(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

/** Why a request is refused: an engine.io error code and what `connection_error` reports. */
export interface Refusal {
  readonly code: EngineErrorCode;
  readonly context: Record<string, unknown>;
  /** Overrides the standard message in the HTTP body (allowRequest's reason). */
  readonly body?: string;
}

export function isRefusal(v: object | string): v is Refusal {
  return typeof v === "object" && "code" in v;
}
