// The front conformance suite: the same user-visible behaviour, asserted the same way, on each
// of Parley's engine fronts (Node: node:http + ws; Bun: Bun.serve + Bun's WebSocket). A test
// file calls `frontConformance` with a factory that starts test/fronts/fixtures/app.mjs (one
// app, unchanged on both runtimes) with the given options. Raw Engine.IO requests where the
// bytes, statuses and headers matter; the official socket.io-client for recovery. The cases
// live in front-conformance/, by topic.
import { it } from "vitest";
import {
  HANDSHAKE_RATE,
  handshakeRateCases,
  SESSIONS_PER_ADDRESS,
  sessionsPerAddressCases,
} from "./front-conformance/limits.js";
import { optionCases, websocketOnlyCases } from "./front-conformance/options.js";
import { refusalCases } from "./front-conformance/refusals.js";
import { relayCases } from "./front-conformance/relay.js";
import { heartbeatCases, sessionCases, shutdownCases } from "./front-conformance/sessions.js";
import {
  DEFAULTS,
  type Deviations,
  FAST_PING,
  OTHER_OPTIONS,
  SHUTDOWN,
  type StartFront,
  type TestFn,
  WEBSOCKET_ONLY,
  withServer,
} from "./front-conformance/shared.js";
import { wireCases } from "./front-conformance/wire.js";

export {
  type Deviations,
  type FrontEvent,
  type FrontOptions,
  type FrontServer,
  parseEvents,
  type StartFront,
} from "./front-conformance/shared.js";

export function frontConformance(
  front: string,
  start: StartFront,
  deviations: Deviations = {},
): void {
  const test: TestFn = (name, fn) => {
    const deviation = deviations[name];
    if (deviation === undefined) it(name, fn);
    else if ("skip" in deviation) it.skip(`${name} (skipped on ${front}: ${deviation.skip})`, fn);
    else it.fails(`${name} (KNOWN DEFECT on ${front}: ${deviation.fails})`, fn);
  };
  withServer(`${front} front`, DEFAULTS, start, test, (ctx) => {
    wireCases(ctx);
    refusalCases(ctx);
    sessionCases(ctx);
  });
  withServer(`${front} front: heartbeat`, FAST_PING, start, test, heartbeatCases);
  withServer(`${front} front: io.close()`, SHUTDOWN, start, test, shutdownCases);
  relayCases(`${front} front: session relay on Redis`, start, test);
  withServer(
    `${front} front: path, allowUpgrades, allowEIO3, httpCompression off`,
    OTHER_OPTIONS,
    start,
    test,
    optionCases,
  );
  withServer(
    `${front} front: transports: ["websocket"]`,
    WEBSOCKET_ONLY,
    start,
    test,
    websocketOnlyCases,
  );
  withServer(`${front} front: handshake rate`, HANDSHAKE_RATE, start, test, handshakeRateCases);
  withServer(
    `${front} front: sessions per address`,
    SESSIONS_PER_ADDRESS,
    start,
    test,
    sessionsPerAddressCases,
  );
}
