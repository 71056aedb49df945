/**
 * Wire names of reliable (at-least-once) delivery, shared by the Parley server and client.
 *
 * A client that deduplicates announces it in its CONNECT packet's data (the auth object) as
 * `{ "parley:reliable": <highest message id it has seen> }`; the server removes the key from
 * `socket.handshake.auth`. To such a client the server sends each reliable packet as the
 * event `RELIABLE_EVENT` with the arguments `[<message id>, <event>, ...args]` and an ack id;
 * to every other client (socket.io-client and friends, the Parley client without the opt-in)
 * it sends the plain event `[<event>, ...args]` with an ack id. Servers refuse to emit
 * `RELIABLE_EVENT` as an ordinary event, so a client that announced cannot mistake one.
 */

/** The event name a reliable packet travels under, to clients that deduplicate. */
export const RELIABLE_EVENT = "parley:reliable";

/** The CONNECT data key by which a client announces that it deduplicates. */
export const RELIABLE_AUTH_KEY = "parley:reliable";
