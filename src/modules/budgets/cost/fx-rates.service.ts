import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../../../auth/principal';
import { AuditLogService } from '../../../common/audit/audit-log.service';
import { CacheInvalidationBus } from '../../../common/cache/cache-invalidation.bus';
import { TtlCache } from '../../../common/cache/ttl-cache';
import { ValidationFailedError } from '../../../common/errors/domain-error';
import type { FxRateResponse, PutFxRateDto } from './dto/fx-rate.dto';
import { convertToEur, isZeroDecimal, normalizeDecimal, roundEur } from './money';

export const EUR = 'EUR';
/** Cache invalidation topic: every instance drops the tenant's cached rates. */
export const FX_RATE_TOPIC = 'fx-rates';
/** How stale a tenant's rates may be on an instance that missed an invalidation (Redis down). */
export const FX_RATE_CACHE_TTL_MS = 60_000;

const CURRENCY = /^[A-Z]{3}$/;
/** ISO 4217 codes the runtime knows (ICU's list), so that a typo such as "USS" is refused rather than stored. */
const KNOWN_CURRENCIES = new Set<string>(Intl.supportedValuesOf('currency'));

interface RateRow {
  currency: string;
  rate_to_eur: string;
  updated_at: Date;
}

/**
 * Each tenant's exchange rates to EUR, set by its admins. Costs convert through them on the hot paths (send
 * record, status updates, dispatch estimates), so a tenant's rates are held in memory (one statement per
 * tenant and TTL) and dropped on every instance when an admin changes one.
 */
@Injectable()
export class FxRatesService {
  private readonly cache = new TtlCache<ReadonlyMap<string, string>>(FX_RATE_CACHE_TTL_MS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLogService,
    private readonly bus: CacheInvalidationBus,
  ) {
    bus.on(FX_RATE_TOPIC, (tenantId) => this.cache.invalidate(tenantId));
  }

  async put(principal: Principal, currency: string, dto: PutFxRateDto): Promise<FxRateResponse> {
    checkCurrency(currency);
    const row = await this.dataSource.transaction(async (manager) => {
      const [saved] = await manager.query<(RateRow & { previous: string | null })[]>(
        `WITH previous AS (SELECT rate_to_eur FROM fx_rate WHERE tenant_id = $1 AND currency = $2)
         INSERT INTO fx_rate (tenant_id, currency, rate_to_eur, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (tenant_id, currency) DO UPDATE SET rate_to_eur = excluded.rate_to_eur, updated_at = excluded.updated_at
         RETURNING currency, rate_to_eur, updated_at, (SELECT rate_to_eur FROM previous) AS previous`,
        [principal.tenantId, currency, dto.rateToEur],
      );
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'fxRate.updated',
          entityType: 'fx_rate',
          entityId: null,
          changes: {
            currency,
            rateToEur: normalizeDecimal(saved.rate_to_eur),
            previousRateToEur: saved.previous === null ? null : normalizeDecimal(saved.previous),
          },
        },
        manager,
      );
      return saved;
    });
    await this.bus.publish(FX_RATE_TOPIC, principal.tenantId);
    return toResponse(row);
  }

  async list(tenantId: string): Promise<FxRateResponse[]> {
    const rows = await this.dataSource.query<RateRow[]>(
      `SELECT currency, rate_to_eur, updated_at FROM fx_rate WHERE tenant_id = $1 ORDER BY currency`,
      [tenantId],
    );
    return rows.map(toResponse);
  }

  /** The tenant's rates by currency (cached); EUR is not among them (always 1). */
  rates(tenantId: string): Promise<ReadonlyMap<string, string>> {
    return this.cache.get(tenantId, async () => {
      const rows = await this.dataSource.query<RateRow[]>(`SELECT currency, rate_to_eur FROM fx_rate WHERE tenant_id = $1`, [tenantId]);
      return new Map(rows.map((r) => [r.currency.trim(), r.rate_to_eur]));
    });
  }

  /** `amount` in EUR (rounded half-even to 6 decimals), or null while the tenant has no rate for `currency`. */
  async toEur(tenantId: string, amount: string, currency: string): Promise<string | null> {
    // Nothing is worth nothing in any currency: a free message needs no rate.
    if (currency === EUR || isZeroDecimal(amount)) return roundEur(amount);
    const rate = (await this.rates(tenantId)).get(currency);
    return rate === undefined ? null : convertToEur(amount, rate);
  }
}

function checkCurrency(currency: string): void {
  if (!CURRENCY.test(currency) || !KNOWN_CURRENCIES.has(currency)) {
    throw new ValidationFailedError({ currency: 'must be an ISO 4217 currency code in upper case, such as USD' });
  }
  if (currency === EUR) throw new ValidationFailedError({ currency: 'EUR is always 1 and cannot be set' });
}

function toResponse(row: RateRow): FxRateResponse {
  return { currency: row.currency.trim(), rateToEur: normalizeDecimal(row.rate_to_eur), updatedAt: new Date(row.updated_at).toISOString() };
}
