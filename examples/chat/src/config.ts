/** The chat's settings, all from the environment so `npm start` needs no flags. */
export interface ChatConfig {
  /** 0 picks a free port; the server prints the URL it got. */
  port: number;
  /** Unset: every interface (IPv4 and IPv6). */
  host: string | undefined;
  /** Set: history in Redis (and, with @parley/redis-adapter, a cluster). */
  redisUrl: string | undefined;
  /** Prefix for every Redis key, so several chats or test runs can share a Redis. */
  keyPrefix: string;
  /** Message rate limits, per connection and per nickname (see rate-limits.ts). */
  messageBurst: number;
  messagesPerSecond: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive number, got "${raw}"`);
  }
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ChatConfig {
  const redisUrl = env.REDIS_URL === "" ? undefined : env.REDIS_URL;
  return {
    port: integer(env, "PORT", 3000, 0, 65_535),
    host: env.HOST === "" ? undefined : env.HOST,
    redisUrl,
    keyPrefix: env.CHAT_KEY_PREFIX || "parley-chat:",
    messageBurst: integer(env, "CHAT_MESSAGE_BURST", 8, 1, 10_000),
    messagesPerSecond: positive(env, "CHAT_MESSAGES_PER_SECOND", 1),
  };
}
