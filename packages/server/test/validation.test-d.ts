import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { type AckCallback, type SchemaEvents, Server } from "../src/index.js";

const Chat = z.object({ text: z.string(), at: z.coerce.date().optional() });
const Move = v.object({ x: v.number(), y: v.number() });
const Name = v.pipe(
  v.string(),
  v.transform((s) => s.length),
);

describe("validated events infer handler types from the schema", () => {
  const io = new Server();

  it("socket.on(ev, schema, handler): the schema's output, then the optional ack", () => {
    io.on("connection", (socket) => {
      socket.on("chat", Chat, (msg, ack) => {
        expectTypeOf(msg).toEqualTypeOf<{ text: string; at?: Date | undefined }>();
        expectTypeOf(ack).toEqualTypeOf<AckCallback | undefined>();
      });
      // The output type, not the input: valibot's transform makes a number.
      socket.on("rename", Name, (length) => expectTypeOf(length).toEqualTypeOf<number>());
      // @ts-expect-error the handler's parameter must accept the schema's output
      socket.on("move", Move, (pos: string) => pos);
      // @ts-expect-error a schema must be a Standard Schema
      socket.on("move", { parse: () => 1 }, () => {});
      // Plain listeners keep their usual typing.
      socket.on("disconnect", (reason) => expectTypeOf(reason).toBeString());
    });
  });

  it("nsp.schemas({...}) types the namespace's listeners", () => {
    const game = io.of("/game").schemas({ move: Move, chat: Chat });
    game.on("connection", (socket) => {
      socket.on("move", (pos, ack) => {
        expectTypeOf(pos).toEqualTypeOf<{ x: number; y: number }>();
        expectTypeOf(ack).toEqualTypeOf<AckCallback | undefined>();
      });
      socket.on("chat", (msg) => expectTypeOf(msg.text).toBeString());
      // @ts-expect-error an event the schema map does not name
      socket.on("jump", () => {});
    });
    expectTypeOf<SchemaEvents<{ move: typeof Move }>["move"]>().parameter(0).toEqualTypeOf<{
      x: number;
      y: number;
    }>();
  });

  it("keeps a typed listen map's other events", () => {
    type Listen = { ping: (at: number) => void; move: (raw: unknown) => void };
    const typed = new Server<Listen>();
    const nsp = typed.of("/").schemas({ move: Move });
    nsp.on("connection", (socket) => {
      socket.on("ping", (at) => expectTypeOf(at).toBeNumber());
      socket.on("move", (pos) => expectTypeOf(pos.x).toBeNumber());
    });
  });
});
