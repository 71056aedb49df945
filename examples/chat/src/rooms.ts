import { type ChatContext, failure, handleRequest, joinedRooms } from "./context.js";
import type { JoinedRoom } from "./events.js";
import { roomMembers } from "./presence.js";
import type { ChatSocket } from "./types.js";
import { checkRoom, LIMITS } from "./validation.js";

/**
 * How many rooms are open: those listed, plus any created here since the last update (not
 * listed yet). Counted before a new room is made, so a flood cannot pass the total between
 * two updates of the list.
 */
function openRooms(ctx: ChatContext): number {
  const nsp = ctx.io.of("/");
  let fresh = 0;
  for (const room of nsp.adapter.rooms.keys()) {
    if (!nsp.sockets.has(room) && !ctx.rooms.has(room)) fresh++;
  }
  return ctx.rooms.size + fresh;
}

/** room:list, room:join (which also creates) and room:leave. */
export function registerRoomHandlers(ctx: ChatContext, socket: ChatSocket): void {
  socket.on("room:list", (...args: unknown[]) => {
    handleRequest(ctx, socket, "room:list", args, async () => {
      // Fresh, so a client that just joined sees its room: the deltas follow from here.
      await ctx.rooms.update();
      return { ok: true, value: ctx.rooms.list() };
    });
  });

  socket.on("room:join", (...args: unknown[]) => {
    handleRequest(ctx, socket, "room:join", args, async ([input]) => {
      const checked = checkRoom(input);
      if (!checked.ok) return checked;
      const room = checked.value;
      const already = socket.rooms.has(room);
      if (!already && joinedRooms(socket).length >= LIMITS.roomsPerSocket) {
        return failure({
          code: "TOO_MANY_ROOMS",
          message: `You can be in at most ${LIMITS.roomsPerSocket} rooms at once. Leave one first.`,
        });
      }
      const isNew = !already && !ctx.rooms.has(room) && !ctx.io.of("/").adapter.rooms.has(room);
      if (isNew && openRooms(ctx) >= LIMITS.roomsTotal) {
        return failure({
          code: "ROOMS_FULL",
          message: `The chat has ${LIMITS.roomsTotal} rooms open, its limit. Join one of them, or try again once some have emptied.`,
        });
      }
      // Join before anything is awaited: a message sent right after the join request (the
      // page's outbox does exactly that after a reconnect) must find the socket in the room.
      // Presence tells the room (everyone, on every instance) if this is someone new there.
      await socket.join(room);
      const [, history] = await Promise.all([ctx.store.addRoom(room), ctx.store.recent(room)]);
      if (!already) ctx.roomUpdates.schedule();
      const joined: JoinedRoom = { room, history, members: roomMembers(ctx.presence, room) };
      return { ok: true, value: joined };
    });
  });

  socket.on("room:leave", (...args: unknown[]) => {
    handleRequest(ctx, socket, "room:leave", args, async ([input]) => {
      const checked = checkRoom(input);
      if (!checked.ok) return checked;
      const room = checked.value;
      if (!socket.rooms.has(room)) return { ok: true, value: null };
      await socket.leave(room);
      socket.to(room).emit("typing:update", room, socket.data.nick, false);
      ctx.roomUpdates.schedule();
      return { ok: true, value: null };
    });
  });

  // The rooms are gone by the time "disconnect" fires, so remember them while they exist.
  let leaving: string[] = [];
  socket.on("disconnecting", () => {
    leaving = joinedRooms(socket);
  });
  socket.on("disconnect", () => {
    // Presence tells the rooms they left (if this was their last tab there).
    for (const room of leaving) {
      ctx.io.to(room).emit("typing:update", room, socket.data.nick, false);
    }
    if (leaving.length > 0) ctx.roomUpdates.schedule();
  });
}
