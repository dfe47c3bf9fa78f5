import { Injectable } from '@nestjs/common';
import type { RawWebhookRequest } from './adapters/channel-adapter';

/** Takes a vendor webhook exactly as the public endpoint would: verifies it, stores it once, queues its processing. */
export interface WebhookIngressPort {
  ingest(channel: string, providerId: string, request: RawWebhookRequest): Promise<{ stored: boolean }>;
}

/**
 * Lets code of this module hand a webhook to the webhooks module in process (the sandbox's simulated vendor
 * callbacks), so that they arrive in every role, a worker without HTTP included. The webhooks module depends
 * on this one and registers its ingest service here at start; this module never imports it.
 */
@Injectable()
export class WebhookIngress {
  private port?: WebhookIngressPort;

  register(port: WebhookIngressPort): void {
    this.port = port;
  }

  deliver(channel: string, providerId: string, request: RawWebhookRequest): Promise<{ stored: boolean }> {
    if (!this.port) return Promise.reject(new Error('no webhook ingress is registered (the webhooks module is not loaded)'));
    return this.port.ingest(channel, providerId, request);
  }
}
