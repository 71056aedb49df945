export {
  Presence,
  type PresenceChange,
  type PresenceEvents,
  type PresenceIdentity,
  type PresenceMember,
  type PresenceNamespace,
  type PresenceOptions,
} from "./presence.js";
export { PRESENCE_EVENT } from "./presence-message.js";
