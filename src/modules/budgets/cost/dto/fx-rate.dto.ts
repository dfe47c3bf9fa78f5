import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** 1–10 integer digits, up to 10 decimals (numeric(20, 10)), not zero. */
export const RATE = /^(?=.*[1-9])\d{1,10}(\.\d{1,10})?$/;

export class PutFxRateDto {
  @ApiProperty({ description: 'What one unit of the currency is worth in EUR, as a decimal string (> 0, up to 10 decimals)', example: '0.92' })
  @IsString()
  @Matches(RATE, { message: 'must be a positive decimal string such as "0.92" (up to 10 decimals)' })
  rateToEur!: string;
}

export class FxRateResponse {
  @ApiProperty({ example: 'USD', description: 'ISO 4217' })
  currency!: string;

  @ApiProperty({ example: '0.92', description: 'EUR per unit of the currency (decimal string)' })
  rateToEur!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;
}

export class FxRateListResponse {
  @ApiProperty({ type: [FxRateResponse] })
  items!: FxRateResponse[];
}
