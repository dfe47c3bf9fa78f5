import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsentRecord } from './consent-record.entity';
import { ConsentStateService } from './consent-state.service';

@Module({
  imports: [TypeOrmModule.forFeature([ConsentRecord])],
  providers: [ConsentStateService],
  exports: [ConsentStateService],
})
export class ConsentModule {}
