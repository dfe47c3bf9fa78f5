import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { createValidationPipe } from './common/errors/validation';
import { configureHttpPlatform, HttpPlatformAdapter } from './common/http/http-platform';
import { AppConfig } from './config/app-config';

/**
 * Builds the Nest application for the configured role, exactly as production runs it; tests use this too.
 * An `api` or `all` process gets an HTTP application, a `worker` one an application context without HTTP.
 */
export async function createApp(config: AppConfig): Promise<INestApplicationContext> {
  if (!config.servesHttp) {
    const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
    context.useLogger(context.get(Logger));
    return context;
  }
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new HttpPlatformAdapter(config.trustProxy), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureHttpApp(app, config);
  return app;
}

export function configureHttpApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  configureHttpPlatform(app);
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApiConfig(config)), {
    jsonDocumentUrl: 'docs-json',
  });
}

function openApiConfig(config: AppConfig) {
  return new DocumentBuilder()
    .setTitle('Parley')
    .setDescription(
      'WhatsApp + SMS messaging gateway. Errors are `{"error":{"code","message","details"}}` with stable camelCase codes.',
    )
    .setVersion('1')
    .addServer(config.publicBaseUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
}

export function isHttpApp(app: INestApplicationContext): app is INestApplication {
  return typeof (app as INestApplication).getHttpServer === 'function';
}
