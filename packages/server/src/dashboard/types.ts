import type { Server } from "../server.js";

// biome-ignore lint/suspicious/noExplicitAny: the dashboard shows servers of any event maps
export type AnyServer = Server<any, any, any, any>;
