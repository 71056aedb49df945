import { Injectable } from "@nestjs/common";

/** What happened to the gateway, in order: a plain Nest provider the gateway is injected with. */
@Injectable()
export class PresenceService {
  readonly log: string[] = [];
  readonly online = new Set<string>();

  record(entry: string): void {
    this.log.push(entry);
  }
}
