import { Module } from "@nestjs/common";
import { AdminGateway } from "./admin.gateway.js";
import { ChatGateway } from "./chat.gateway.js";
import { PresenceService } from "./presence.service.js";

@Module({ providers: [ChatGateway, AdminGateway, PresenceService] })
export class AppModule {}
