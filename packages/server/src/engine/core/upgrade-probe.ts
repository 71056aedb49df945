import type { EnginePacket } from "@parley/protocol";
import type { Transport } from "./transport.js";

/**
 * What a packet on the probing transport means for the session (see `UpgradeProbe#receive`):
 * `probing`, the peer sent `2probe` and got `3probe` (hold packets back from the old
 * transport); `upgrade`, the peer sent `5` (the probe's transport replaces the session's);
 * `abort`, anything else broke the dance (close the probe, go on where the session was).
 */
export type ProbeStep = "probing" | "upgrade" | "abort";

/** What decides whether a session may start probing `candidate` (see `upgradeRefusal`). */
export interface ProbeCandidacy {
  readonly state: string;
  readonly upgraded: boolean;
  readonly probing: boolean;
  readonly current: Transport;
  readonly allowUpgrades: boolean;
}

/**
 * Why a session cannot probe `candidate`, or null when it can: engine.io closes such a
 * WebSocket once its handshake is complete (already upgraded or upgrading, not open, an
 * upgrade its transport does not offer, upgrades off).
 */
export function upgradeRefusal(session: ProbeCandidacy, candidate: Transport): string | null {
  if (session.upgraded) return "already upgraded";
  if (session.probing) return "already upgrading";
  if (session.state !== "open") return session.state;
  if (!session.allowUpgrades || !session.current.upgradesTo.includes(candidate.name)) {
    return "upgrade not offered";
  }
  return null;
}

/**
 * A transport probing its way to replace a session's current one (Engine.IO's upgrade:
 * `2probe` / `3probe`, then `5`). Rare, so it may cost an object and a timer; a session holds
 * one only while the dance runs. The probe knows the dance, the session acts on each step.
 */
export class UpgradeProbe {
  readonly transport: Transport;
  readonly #timer: ReturnType<typeof setTimeout>;
  #probing = false;

  /** Starts the probe; `onTimeout` runs if the dance is not over within `timeoutMs`. */
  constructor(transport: Transport, timeoutMs: number, onTimeout: () => void) {
    this.transport = transport;
    this.#timer = setTimeout(onTimeout, timeoutMs);
  }

  /**
   * Whether the peer has probed (`2probe` answered): from then on the session holds packets
   * back from its old transport, so that they go out on the new one, in order.
   */
  get probing(): boolean {
    return this.#probing;
  }

  /** One packet on the probing transport; answers `2probe` itself. */
  receive(packet: EnginePacket, sessionOpen: boolean): ProbeStep {
    if (packet.type === "ping" && packet.data === "probe") {
      this.transport.write([{ type: "pong", data: "probe" }]);
      this.#probing = true;
      return "probing";
    }
    if (packet.type === "upgrade" && sessionOpen) {
      clearTimeout(this.#timer);
      return "upgrade";
    }
    return "abort";
  }

  /** Ends the probe without an upgrade: its transport is closed. */
  abort(): void {
    clearTimeout(this.#timer);
    this.transport.close();
  }
}
