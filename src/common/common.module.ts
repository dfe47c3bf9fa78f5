import { Global, Module } from '@nestjs/common';
import { Clock } from './clock/clock';
import { SecretBox } from './crypto/secret-box';
import { SecretKeyring } from './crypto/secret-keyring';
import { AdvisoryLock } from './locking/advisory-lock';
import { AppConfig } from '../config/app-config';

/** Cross-cutting services every module may inject. */
@Global()
@Module({
  providers: [
    { provide: SecretKeyring, inject: [AppConfig], useFactory: (config: AppConfig) => config.keyring },
    Clock,
    SecretBox,
    AdvisoryLock,
  ],
  exports: [Clock, SecretBox, AdvisoryLock],
})
export class CommonModule {}
