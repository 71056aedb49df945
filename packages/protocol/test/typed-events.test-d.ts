// Type tests for the event maps shared by the server and the client (run by vitest typecheck).

import type {
  AckResult,
  AllButLast,
  DecorateAcknowledgements,
  DecorateBroadcastAcknowledgements,
  DefaultEventsMap,
  EmitWithAckArgs,
  EventListener,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  Last,
  ReservedOrUserEventNames,
} from "@parley/protocol";
import { describe, expectTypeOf, it } from "vitest";

/** Written as an interface, the way Socket.IO users write their maps. */
interface ServerToClient {
  message(text: string, at: number): void;
  ping(): void;
  sum(a: number, b: number, ack: (total: number) => void): void;
  fetch(id: string, ack: (err: Error | null, item: { id: string }) => void): void;
  bare(ack: () => void): void;
}

/** Written as a type alias. */
type ClientToServer = {
  join: (room: string, ack: (ok: boolean) => void) => void;
  leave: (room: string) => void;
};

interface Reserved {
  connect(): void;
  disconnect(reason: string): void;
}

/** A typed emit, as the server's and the client's sockets declare it. */
declare function emit<Map extends EventsMap, Ev extends EventNames<Map>>(
  map: Map,
  event: Ev,
  ...args: EventParams<Map, Ev>
): void;
declare function emitWithAck<Map extends EventsMap, Ev extends EventNamesWithAck<Map>>(
  map: Map,
  event: Ev,
  ...args: EmitWithAckArgs<Map, Ev>
): Promise<AckResult<Map, Ev>>;
declare const s2c: ServerToClient;
declare const c2s: ClientToServer;
declare const untyped: DefaultEventsMap;

describe("event maps", () => {
  it("interfaces and type aliases both satisfy EventsMap", () => {
    expectTypeOf<ServerToClient>().toExtend<EventsMap>();
    expectTypeOf<ClientToServer>().toExtend<EventsMap>();
    expectTypeOf<DefaultEventsMap>().toExtend<EventsMap>();
  });

  it("EventNames lists the keys", () => {
    expectTypeOf<EventNames<ServerToClient>>().toEqualTypeOf<
      "message" | "ping" | "sum" | "fetch" | "bare"
    >();
    expectTypeOf<EventNames<ClientToServer>>().toEqualTypeOf<"join" | "leave">();
    expectTypeOf<EventNames<DefaultEventsMap>>().toEqualTypeOf<string>();
  });

  it("EventParams and EventListener follow the listener signature", () => {
    expectTypeOf<EventParams<ServerToClient, "message">>().toEqualTypeOf<
      [text: string, at: number]
    >();
    expectTypeOf<EventParams<ServerToClient, "ping">>().toEqualTypeOf<[]>();
    expectTypeOf<EventListener<ClientToServer, "leave">>().toEqualTypeOf<(room: string) => void>();
    // biome-ignore lint/suspicious/noExplicitAny: the untyped default map takes any arguments
    expectTypeOf<EventParams<DefaultEventsMap, "anything">>().toEqualTypeOf<any[]>();
  });

  it("a typed emit accepts the right arguments and refuses wrong ones", () => {
    emit(s2c, "message", "hi", 1);
    emit(s2c, "ping");
    emit(c2s, "leave", "lobby");
    emit(untyped, "whatever", 1, "two", { three: 3 });
    // @ts-expect-error the second argument must be a number
    emit(s2c, "message", "hi", "1");
    // @ts-expect-error unknown event name
    emit(s2c, "nope");
    // @ts-expect-error missing argument
    emit(c2s, "leave");
  });
});

describe("acknowledgements", () => {
  it("Last and AllButLast split off the callback", () => {
    expectTypeOf<Last<[string, number]>>().toEqualTypeOf<number>();
    expectTypeOf<Last<[]>>().toEqualTypeOf<never>();
    expectTypeOf<AllButLast<[string, number, boolean]>>().toEqualTypeOf<[string, number]>();
    expectTypeOf<AllButLast<[]>>().toEqualTypeOf<[]>();
    expectTypeOf<AllButLast<string[]>>().toEqualTypeOf<string[]>();
  });

  it("EventNamesWithAck lists only events whose listener ends in a callback", () => {
    expectTypeOf<EventNamesWithAck<ServerToClient>>().toEqualTypeOf<"sum" | "fetch" | "bare">();
    expectTypeOf<EventNamesWithAck<ClientToServer>>().toEqualTypeOf<"join">();
    // Untyped: any event may take an ack.
    expectTypeOf<EventNamesWithAck<DefaultEventsMap>>().toEqualTypeOf<string>();
  });

  it("AckResult is the callback's first parameter", () => {
    expectTypeOf<AckResult<ServerToClient, "sum">>().toEqualTypeOf<number>();
    expectTypeOf<AckResult<ClientToServer, "join">>().toEqualTypeOf<boolean>();
    expectTypeOf<AckResult<ServerToClient, "fetch">>().toEqualTypeOf<Error | null>();
  });

  it("EmitWithAckArgs drops the callback; untyped maps take any arguments", () => {
    expectTypeOf<EmitWithAckArgs<ServerToClient, "sum">>().toEqualTypeOf<[a: number, b: number]>();
    expectTypeOf<EmitWithAckArgs<ServerToClient, "bare">>().toEqualTypeOf<[]>();
    // biome-ignore lint/suspicious/noExplicitAny: the untyped default map takes any arguments
    expectTypeOf<EmitWithAckArgs<DefaultEventsMap, "x">>().toEqualTypeOf<any[]>();
  });

  it("a typed emitWithAck resolves to the ack value and checks its arguments", () => {
    expectTypeOf(emitWithAck(s2c, "sum", 1, 2)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(emitWithAck(c2s, "join", "lobby")).toEqualTypeOf<Promise<boolean>>();
    emitWithAck(untyped, "anything", 1, "two");
    // @ts-expect-error "ping" takes no callback, so it cannot be acknowledged
    emitWithAck(s2c, "ping");
    // @ts-expect-error "leave" takes no callback
    emitWithAck(c2s, "leave", "lobby");
    // @ts-expect-error wrong argument type
    emitWithAck(s2c, "sum", 1, "2");
  });
});

describe("timeout decoration", () => {
  it("DecorateAcknowledgements puts an error first in the callback", () => {
    expectTypeOf<DecorateAcknowledgements<ServerToClient>["sum"]>().toEqualTypeOf<
      (a: number, b: number, ack: (err: Error | null, total: number) => void) => void
    >();
    expectTypeOf<DecorateAcknowledgements<ServerToClient>["bare"]>().toEqualTypeOf<
      (ack: (err: Error | null) => void) => void
    >();
  });

  it("events without a callback, and untyped maps, are left alone", () => {
    expectTypeOf<DecorateAcknowledgements<ServerToClient>["message"]>().toEqualTypeOf<
      ServerToClient["message"]
    >();
    expectTypeOf<DecorateAcknowledgements<DefaultEventsMap>["x"]>().toEqualTypeOf<
      DefaultEventsMap["x"]
    >();
    expectTypeOf<DecorateBroadcastAcknowledgements<DefaultEventsMap>["x"]>().toEqualTypeOf<
      DefaultEventsMap["x"]
    >();
  });

  it("DecorateBroadcastAcknowledgements collects one answer per client", () => {
    expectTypeOf<DecorateBroadcastAcknowledgements<ServerToClient>["sum"]>().toEqualTypeOf<
      (a: number, b: number, ack: (err: Error | null, total: number[]) => void) => void
    >();
    expectTypeOf<DecorateBroadcastAcknowledgements<ClientToServer>["join"]>().toEqualTypeOf<
      (room: string, ack: (err: Error | null, ok: boolean[]) => void) => void
    >();
  });
});

describe("reserved names", () => {
  it("ReservedOrUserEventNames is the union of both maps' names", () => {
    expectTypeOf<ReservedOrUserEventNames<Reserved, ClientToServer>>().toEqualTypeOf<
      "connect" | "disconnect" | "join" | "leave"
    >();
  });
});
