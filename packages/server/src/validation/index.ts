export { EventSchemas } from "./event-schemas.js";
export {
  INVALID_PAYLOAD,
  InvalidPayloadError,
  type InvalidPayloadReply,
  type PayloadIssue,
} from "./invalid-payload.js";
export {
  type AckCallback,
  type EventSchemaMap,
  isStandardSchema,
  type SchemaEvents,
  type StandardSchemaV1,
  type ValidatedListener,
  type WithSchemas,
} from "./standard-schema.js";
export { type InboxSocket, ValidatingInbox } from "./validating-inbox.js";
