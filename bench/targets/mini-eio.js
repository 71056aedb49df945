// Just enough Engine.IO v4 / Socket.IO v5 framing for the raw `ws` and Bun targets, so one
// load generator drives every target: the OPEN packet on connect, the namespace CONNECT answer,
// and `42[…]` events decoded with one JSON.parse. No heartbeat is sent (the load generator
// needs none), no acks, no binary, no rooms: these targets are the floor a framework is
// measured against, not frameworks.

let nextSid = 0;

/** The Engine.IO OPEN packet a real server sends first. */
export function openPacket() {
  const sid = (++nextSid).toString(36).padStart(8, "0");
  return `0{"sid":"${sid}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`;
}

/**
 * Handles one text frame from a client.
 * @param {string} text
 * @param {(text: string) => void} reply        send to this client
 * @param {(text: string) => void} broadcast    send to every client
 * @returns {boolean} false when the client asked to disconnect
 */
export function onText(text, reply, broadcast) {
  if (text.startsWith("42")) {
    /** @type {unknown} */
    let packet;
    try {
      packet = JSON.parse(text.slice(2));
    } catch {
      return false;
    }
    if (!Array.isArray(packet)) return false;
    const [event, ...args] = packet;
    if (event === "bench:broadcast") broadcast(`42${JSON.stringify(["msg", ...args])}`);
    else if (event === "echo") reply(`42${JSON.stringify(["echo", ...args])}`);
  } else if (text.startsWith("40")) {
    reply(`40{"sid":"${(++nextSid).toString(36).padStart(8, "0")}"}`);
  } else if (text === "41" || text === "1") {
    return false;
  }
  return true;
}
