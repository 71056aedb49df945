import type { StandardSchemaV1 } from "@standard-schema/spec";

/** The stable code of a payload its event's schema refused. */
export const INVALID_PAYLOAD = "INVALID_PAYLOAD";

/** One reason a payload was refused, as the client and the app see it. */
export interface PayloadIssue {
  message: string;
  /** Where in the payload, outermost key first (empty for the payload itself). */
  path: (string | number)[];
}

/**
 * What the client's ack receives when its payload was refused:
 * `{ error: { code: "INVALID_PAYLOAD", event, issues } }`.
 */
export interface InvalidPayloadReply {
  error: { code: typeof INVALID_PAYLOAD; event: string; issues: PayloadIssue[] };
}

/**
 * A payload its event's schema refused. The socket emits it as `error` when the client sent
 * no ack (the handler never runs); `instanceof` tells it from an `error` event a client
 * might send itself, which can never carry a class instance.
 */
export class InvalidPayloadError extends Error {
  readonly code = INVALID_PAYLOAD;
  readonly event: string;
  readonly issues: PayloadIssue[];

  constructor(event: string, issues: PayloadIssue[]) {
    super(`invalid payload for "${event}": ${issues.map(describeIssue).join("; ")}`);
    this.name = "InvalidPayloadError";
    this.event = event;
    this.issues = issues;
  }

  /** The ack reply (plain JSON: no stack, nothing of the server's). */
  toReply(): InvalidPayloadReply {
    return { error: { code: INVALID_PAYLOAD, event: this.event, issues: this.issues } };
  }
}

/** Standard Schema issues as plain JSON: path segments reduced to their keys. */
export function toPayloadIssues(issues: readonly StandardSchemaV1.Issue[]): PayloadIssue[] {
  return issues.map((issue) => ({
    message: String(issue.message),
    path: (issue.path ?? []).map((segment) => {
      const key = typeof segment === "object" && segment !== null ? segment.key : segment;
      return typeof key === "number" ? key : String(key);
    }),
  }));
}

function describeIssue(issue: PayloadIssue): string {
  return issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`;
}
