/** Defaults for every limit the codec enforces. Each one is overridable through options. */
export const DEFAULT_LIMITS = {
  /** Binary attachments allowed in one Socket.IO packet. */
  maxAttachments: 10,
  /**
   * Longest text packet, in UTF-16 code units, a decoder accepts. Matches the transport's
   * default `maxHttpBufferSize` (1 MB), so a lone packet can never exceed what the transport takes.
   */
  maxPacketLength: 1_000_000,
  /** Most packets accepted in one long-polling payload. */
  maxPayloadPackets: 10_000,
} as const;
