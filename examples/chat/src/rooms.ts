import { type ChatContext, failure, handleRequest, joinedRooms } from "./context.js";
import type { JoinedRoom, RoomInfo } from "./events.js";
import { announcePresence, onlineByRoom, roomMembers } from "./presence.js";
import type { ChatSocket } from "./types.js";
import { checkRoom, LIMITS } from "./validation.js";

/** The room list with online counts: sent on request and broadcast (debounced) on changes. */
export async function listRooms(ctx: ChatContext): Promise<RoomInfo[]> {
  const [names, online] = await Promise.all([ctx.store.rooms(), onlineByRoom(ctx.io)]);
  return names.map((name) => ({ name, online: online.get(name) ?? 0 }));
}

export async function broadcastRoomList(ctx: ChatContext): Promise<void> {
  ctx.io.emit("room:list", await listRooms(ctx));
}

/** room:list, room:join (which also creates) and room:leave. */
export function registerRoomHandlers(ctx: ChatContext, socket: ChatSocket): void {
  socket.on("room:list", (...args: unknown[]) => {
    handleRequest(ctx, socket, "room:list", args, async () => ({
      ok: true,
      value: await listRooms(ctx),
    }));
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
      // Join before anything is awaited: a message sent right after the join request (the
      // page's outbox does exactly that after a reconnect) must find the socket in the room.
      await socket.join(room);
      const [, history, members] = await Promise.all([
        ctx.store.addRoom(room),
        ctx.store.recent(room),
        roomMembers(ctx.io, room),
      ]);
      if (!already) {
        socket.to(room).emit("presence:update", room, members);
        ctx.roomList.schedule();
      }
      const joined: JoinedRoom = { room, history, members };
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
      await announcePresence(ctx.io, room);
      ctx.roomList.schedule();
      return { ok: true, value: null };
    });
  });

  // The rooms are gone by the time "disconnect" fires, so remember them while they exist.
  let leaving: string[] = [];
  socket.on("disconnecting", () => {
    leaving = joinedRooms(socket);
  });
  socket.on("disconnect", () => {
    for (const room of leaving) {
      ctx.io.to(room).emit("typing:update", room, socket.data.nick, false);
      announcePresence(ctx.io, room).catch((err: unknown) => {
        ctx.log(`presence update for ${room} failed: ${String(err)}`);
      });
    }
    if (leaving.length > 0) ctx.roomList.schedule();
  });
}
