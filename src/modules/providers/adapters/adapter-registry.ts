import { Inject, Injectable, type Type } from '@nestjs/common';
import { Dialog360Adapter } from './360dialog/dialog360.adapter';
import type { ChannelAdapter } from './channel-adapter';
import { CmComAdapter } from './cm-com/cm-com.adapter';
import { MessageBirdAdapter } from './messagebird/messagebird.adapter';
import { MetaAdapter } from './meta/meta.adapter';
import { SandboxAdapter } from './sandbox/sandbox.adapter';
import { TwilioAdapter } from './twilio/twilio.adapter';
import { VonageAdapter } from './vonage/vonage.adapter';

/** Every vendor Parley speaks: adding a vendor is adding its folder and one line here. */
export const ADAPTER_TYPES = [
  MetaAdapter,
  Dialog360Adapter,
  TwilioAdapter,
  MessageBirdAdapter,
  CmComAdapter,
  VonageAdapter,
  SandboxAdapter,
] as const satisfies readonly (Type<ChannelAdapter> & { vendor: string })[];

export const VENDORS: readonly string[] = ADAPTER_TYPES.map((type) => type.vendor);

export const CHANNEL_ADAPTERS = Symbol('CHANNEL_ADAPTERS');

@Injectable()
export class AdapterRegistry {
  private readonly byVendor: ReadonlyMap<string, ChannelAdapter>;

  constructor(@Inject(CHANNEL_ADAPTERS) adapters: ChannelAdapter[]) {
    this.byVendor = new Map(adapters.map((adapter) => [adapter.vendor, adapter]));
  }

  find(vendor: string): ChannelAdapter | undefined {
    return this.byVendor.get(vendor);
  }

  get(vendor: string): ChannelAdapter {
    const adapter = this.byVendor.get(vendor);
    if (!adapter) throw new Error(`no adapter for vendor ${vendor}`);
    return adapter;
  }
}
