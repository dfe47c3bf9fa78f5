import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { OptionalNotNull, OptionalNullable } from '../../../common/validation/optional';
import { BUDGET_PERIODS, type BudgetPeriod } from '../budget-period';

/** numeric(20, 8): up to 12 integer digits and 8 decimals, not zero. */
export const EUR_AMOUNT = /^(?=.*[1-9])\d{1,12}(\.\d{1,8})?$/;

export class CreateBudgetDto {
  @ApiProperty({ format: 'uuid', description: 'A provider of the tenant' })
  @IsUUID()
  providerId!: string;

  @ApiProperty({ enum: BUDGET_PERIODS, description: 'UTC periods; weeks start on Monday' })
  @IsIn(BUDGET_PERIODS)
  period!: BudgetPeriod;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, description: 'Messages per period (give this, maxCostEur, or both)' })
  @OptionalNullable()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  maxMessages?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '250', description: 'EUR per period, as a decimal string (up to 8 decimals)' })
  @OptionalNullable()
  @IsString()
  @Matches(EUR_AMOUNT, { message: 'must be a positive decimal string such as "250" or "12.50" (up to 8 decimals)' })
  maxCostEur?: string | null;

  @ApiProperty({ description: 'Refuse sends past the cap (422 budgetExceeded, or the message fails with it); otherwise only alert' })
  @IsBoolean()
  hardStop!: boolean;

  @ApiPropertyOptional({ default: 80, minimum: 1, maximum: 100, description: 'Alert when this percentage of a cap is used' })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(100)
  alertThresholdPct?: number;
}

/**
 * Any field but the provider (a budget of another provider is another budget). `null` removes a cap; one
 * must remain. A new period starts at once, with the counters as they are.
 */
export class UpdateBudgetDto extends PartialType(OmitType(CreateBudgetDto, ['providerId'] as const), { skipNullProperties: false }) {}

export class BudgetResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  @ApiProperty({ enum: BUDGET_PERIODS }) period!: BudgetPeriod;
  @ApiProperty({ type: Number, nullable: true }) maxMessages!: number | null;
  @ApiProperty({ type: String, nullable: true, example: '250', description: 'EUR, decimal string' }) maxCostEur!: string | null;
  @ApiProperty() hardStop!: boolean;
  @ApiProperty() alertThresholdPct!: number;
  @ApiProperty({ description: 'Messages reserved in the current period' }) currentPeriodMessages!: number;
  @ApiProperty({ example: '12.5', description: 'EUR reserved or spent in the current period, decimal string' }) currentPeriodCostEur!: string;
  @ApiProperty({ format: 'date-time' }) periodStartedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'End of the current period: the counters start again from here' }) periodResetAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class BudgetListResponse {
  @ApiProperty({ type: [BudgetResponse] }) items!: BudgetResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
