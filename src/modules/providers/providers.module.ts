import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ADAPTER_TYPES, AdapterRegistry, CHANNEL_ADAPTERS } from './adapters/adapter-registry';
import type { ChannelAdapter } from './adapters/channel-adapter';
import { ChannelProvider } from './channel-provider.entity';
import { AppConfig } from '../../config/app-config';
import { VendorAddressPolicy } from './http/vendor-address-policy';
import { VendorHttpClient } from './http/vendor-http.client';
import { ProviderCache } from './provider-cache';
import { ProviderSelector } from './provider-selector.service';
import { ProvidersController } from './providers.controller';
import { ProvidersService } from './providers.service';
import { SandboxController } from './sandbox.controller';
import { WebhookIngress } from './webhook-ingress';

@Module({
  imports: [TypeOrmModule.forFeature([ChannelProvider])],
  controllers: [ProvidersController, SandboxController],
  providers: [
    { provide: VendorAddressPolicy, inject: [AppConfig], useFactory: (config: AppConfig) => new VendorAddressPolicy(config.allowPrivateVendorUrls) },
    VendorHttpClient,
    ...ADAPTER_TYPES,
    { provide: CHANNEL_ADAPTERS, inject: [...ADAPTER_TYPES], useFactory: (...adapters: ChannelAdapter[]) => adapters },
    AdapterRegistry,
    ProvidersService,
    ProviderCache,
    ProviderSelector,
    WebhookIngress,
  ],
  exports: [ProvidersService, ProviderCache, ProviderSelector, AdapterRegistry, WebhookIngress, VendorAddressPolicy, VendorHttpClient],
})
export class ProvidersModule {}
