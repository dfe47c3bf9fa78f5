import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { createValidationPipe } from './common/errors/validation';
import { httpMetrics } from './common/metrics/http-metrics.middleware';
import { AppConfig } from './config/app-config';

/** Largest request body accepted, webhooks included (413 `payloadTooLarge` beyond it). */
export const BODY_LIMIT = '1mb';

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
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    rawBody: true,
    bodyParser: false,
  });
  configureHttpApp(app, config);
  return app;
}

export function configureHttpApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(httpMetrics);
  // Raw bytes are kept (req.rawBody) because webhook signatures are computed over them.
  app.useBodyParser('json', { limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  // Any other content type (a vendor posting text or XML) arrives as bytes, so it can still be verified.
  app.useBodyParser('raw', { limit: BODY_LIMIT, type: () => true });
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
