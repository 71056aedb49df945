/**
 * Error codes only the Engine.IO v3 codec returns. They live here, not in `ProtocolErrorCode`,
 * so that the default client bundle (which carries that object) does not grow by a byte for
 * a protocol only old clients speak. `ProtocolError.code` is typed to include them.
 */
export const ProtocolErrorCodeV3 = {
  /**
   * A v3 polling payload whose framing is broken: a length prefix that is missing, not a
   * number, or longer than what follows it; a binary payload entry that is neither text (0)
   * nor binary (1).
   */
  INVALID_PAYLOAD_FRAMING: "INVALID_PAYLOAD_FRAMING",
} as const;

export type ProtocolErrorCodeV3 = (typeof ProtocolErrorCodeV3)[keyof typeof ProtocolErrorCodeV3];
