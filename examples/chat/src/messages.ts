import { randomUUID } from "node:crypto";
import { type ChatContext, failure, handleRequest } from "./context.js";
import type { ChatMessage, Delivered } from "./events.js";
import type { ChatSocket } from "./types.js";
import { checkOutgoing, checkRoom } from "./validation.js";

/** message:send and typing. */
export function registerMessageHandlers(ctx: ChatContext, socket: ChatSocket): void {
  socket.on("message:send", (...args: unknown[]) => {
    handleRequest<Delivered>(ctx, socket, "message:send", args, async ([input]) => {
      const checked = checkOutgoing(input);
      if (!checked.ok) return checked;
      const { room, text, clientId } = checked.value;
      const nick = socket.data.nick;
      if (!socket.rooms.has(room)) {
        return failure({ code: "NOT_IN_ROOM", message: `Join #${room} before writing there.` });
      }
      const message: ChatMessage = { id: randomUUID(), room, nick, text, ts: Date.now(), clientId };
      // The dedupe key is per person: a retry after a lost ack returns the first delivery.
      const stored = await ctx.store.append(message, `${nick}\u0000${clientId}`);
      if (!stored.duplicate) {
        ctx.io.to(room).emit("message:new", stored.message);
        // Whoever was typing this has stopped.
        socket.to(room).emit("typing:update", room, nick, false);
      }
      return { ok: true, value: { id: stored.message.id, ts: stored.message.ts } };
    });
  });

  socket.on("typing", (roomInput: unknown, typing: unknown) => {
    const checked = checkRoom(roomInput);
    if (!checked.ok || typeof typing !== "boolean" || !socket.rooms.has(checked.value)) return;
    // Over its rate (rate-limits.ts) a notice never gets here: the server drops it silently.
    socket.to(checked.value).emit("typing:update", checked.value, socket.data.nick, typing);
  });
}
