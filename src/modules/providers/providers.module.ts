import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ADAPTER_TYPES, AdapterRegistry, CHANNEL_ADAPTERS } from './adapters/adapter-registry';
import type { ChannelAdapter } from './adapters/channel-adapter';
import { ChannelProvider } from './channel-provider.entity';
import { VendorHttpClient } from './http/vendor-http.client';
import { ProviderSelector } from './provider-selector.service';
import { ProvidersController } from './providers.controller';
import { ProvidersService } from './providers.service';
import { SandboxController } from './sandbox.controller';

@Module({
  imports: [TypeOrmModule.forFeature([ChannelProvider])],
  controllers: [ProvidersController, SandboxController],
  providers: [
    VendorHttpClient,
    ...ADAPTER_TYPES,
    { provide: CHANNEL_ADAPTERS, inject: [...ADAPTER_TYPES], useFactory: (...adapters: ChannelAdapter[]) => adapters },
    AdapterRegistry,
    ProvidersService,
    ProviderSelector,
  ],
  exports: [ProvidersService, ProviderSelector, AdapterRegistry],
})
export class ProvidersModule {}
