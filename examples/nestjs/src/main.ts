import "reflect-metadata";
import type { INestApplication } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import type { ServerOptions } from "@parley/server";
import { AppModule } from "./app.module.js";
import { ParleyIoAdapter } from "./parley-io.adapter.js";

/** Boots the app on `port` (0: any free port) with every gateway on Parley. */
export async function bootstrap(
  port = 3000,
  parley: ServerOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { logger: ["error", "warn"] });
  app.useWebSocketAdapter(new ParleyIoAdapter(app, parley));
  app.enableShutdownHooks();
  await app.listen(port, "127.0.0.1");
  return app;
}

// `node dist/main.js`: listen on PORT (default 3000).
if (
  process.argv[1] !== undefined &&
  import.meta.url === new URL(`file://${process.argv[1]}`).href
) {
  const app = await bootstrap(Number(process.env.PORT ?? 3000));
  console.log(`NestJS + Parley listening on ${await app.getUrl()}`);
}
