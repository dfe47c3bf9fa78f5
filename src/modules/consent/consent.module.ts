import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContactConsentController } from './contact-consent.controller';
import { OptInGate, OptOutGate } from './consent.gates';
import { ConsentRecord } from './consent-record.entity';
import { ConsentKeywordsService } from './consent-keywords.service';
import { MarketingPreferencesService } from './marketing-preferences.service';
import { ConsentService } from './consent.service';
import { ConsentStateService } from './consent-state.service';
import { SettingsController } from './settings.controller';
import { TenantSettingsRow } from './tenant-settings.entity';
import { TenantSettingsService } from './tenant-settings.service';

@Module({
  imports: [TypeOrmModule.forFeature([ConsentRecord, TenantSettingsRow])],
  controllers: [ContactConsentController, SettingsController],
  providers: [ConsentStateService, ConsentService, ConsentKeywordsService, MarketingPreferencesService, TenantSettingsService, OptOutGate, OptInGate],
  exports: [ConsentStateService, ConsentService, ConsentKeywordsService, MarketingPreferencesService, TenantSettingsService, OptOutGate, OptInGate],
})
export class ConsentModule {}
