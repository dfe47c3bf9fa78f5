import { Global, Module } from '@nestjs/common';
import { CacheInvalidationBus } from './cache-invalidation.bus';

@Global()
@Module({ providers: [CacheInvalidationBus], exports: [CacheInvalidationBus] })
export class CacheModule {}
