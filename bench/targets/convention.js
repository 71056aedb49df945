// The bench convention, written once against the Socket.IO server API that socket.io and
// Parley both implement: what a user would write.
//   "bench:broadcast" (...args)  → every client receives "msg" (...args)
//   "echo" (...args)             → the sender receives "echo" (...args)
//   idle connections just stay.

/**
 * @typedef {{ on(event: string, listener: (...args: unknown[]) => void): unknown,
 *   emit(event: string, ...args: unknown[]): unknown }} SocketLike
 * @typedef {{ on(event: "connection", listener: (socket: SocketLike) => void): unknown,
 *   emit(event: string, ...args: unknown[]): unknown }} ServerLike
 */

/** @param {ServerLike} io */
export function attachConvention(io) {
  io.on("connection", (socket) => {
    socket.on("bench:broadcast", (...args) => io.emit("msg", ...args));
    socket.on("echo", (...args) => socket.emit("echo", ...args));
  });
}
