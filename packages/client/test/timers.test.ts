import { afterEach, describe, expect, it, vi } from "vitest";
import { Manager } from "../src/index.js";
import { next, onCleanup, startServer } from "./helpers.js";

// As socket.io-client's "should use native setTimeout with useNativeSetTimers": with fake
// timers installed, a Manager with useNativeTimers still reconnects on the real clock, and one
// without it is driven by the fake clock.
describe("useNativeTimers", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function dropped(useNativeTimers: boolean): Promise<Manager> {
    const server = await startServer();
    const manager = new Manager(server.url, {
      transports: ["websocket"],
      reconnectionDelay: 10,
      reconnectionDelayMax: 10,
      randomizationFactor: 0,
      useNativeTimers,
    });
    onCleanup(() => manager.close());
    manager.socket("/");
    await next(manager, "open");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    manager.engine?.close();
    return manager;
  }

  it("true: reconnection runs on the real clock while fake timers are installed", async () => {
    const manager = await dropped(true);
    const [attempts] = await next<[number]>(manager, "reconnect");
    expect(attempts).toBe(1);
  });

  it("false (default): the fake clock drives the reconnection delay", async () => {
    const manager = await dropped(false);
    const reconnected = next(manager, "reconnect_attempt");
    vi.advanceTimersByTime(10);
    await reconnected;
  });
});
