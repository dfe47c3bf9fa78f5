import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import type { Principal } from '../../auth/principal';
import { AuditLogService } from '../../common/audit/audit-log.service';
import { Clock } from '../../common/clock/clock';
import { NotFoundError, ValidationFailedError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import type { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ProvidersService } from '../providers/providers.service';
import { BudgetCache } from './budget-cache';
import { catchUp, periodContaining } from './budget-period';
import { normalizeDecimal } from './cost/money';
import type { BudgetResponse, CreateBudgetDto, UpdateBudgetDto } from './dto/budget.dto';
import { SendBudget } from './send-budget.entity';

const DEFAULT_ALERT_THRESHOLD_PCT = 80;

/** Admin CRUD of send budgets, audited; every write drops the provider's cached budget summary everywhere. */
@Injectable()
export class BudgetsService {
  constructor(
    @InjectRepository(SendBudget) private readonly budgets: Repository<SendBudget>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: ProvidersService,
    private readonly audit: AuditLogService,
    private readonly cache: BudgetCache,
    private readonly clock: Clock,
  ) {}

  async create(principal: Principal, dto: CreateBudgetDto): Promise<SendBudget> {
    // Another tenant's provider is as unknown as a made-up one.
    await this.providers.get(principal.tenantId, dto.providerId);
    requireCap(dto.maxMessages ?? null, dto.maxCostEur ?? null);
    const now = this.clock.now();
    const { start, end } = periodContaining(dto.period, now);
    const budget = this.budgets.create({
      tenantId: principal.tenantId,
      providerId: dto.providerId,
      period: dto.period,
      maxMessages: dto.maxMessages ?? null,
      maxCostEur: dto.maxCostEur ?? null,
      hardStop: dto.hardStop,
      alertThresholdPct: dto.alertThresholdPct ?? DEFAULT_ALERT_THRESHOLD_PCT,
      currentPeriodMessages: 0,
      currentPeriodCostEur: '0',
      periodStartedAt: start,
      periodResetAt: end,
      createdAt: now,
    });
    return this.write(budget.providerId, async (manager) => {
      const saved = await manager.save(budget);
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'budget.created',
          entityType: 'message_send_budget',
          entityId: saved.id,
          changes: { fields: fieldNames(dto), providerId: dto.providerId },
        },
        manager,
      );
      return saved;
    });
  }

  list(tenantId: string, query: PageQueryDto): Promise<Page<SendBudget>> {
    return paginate(this.budgets.createQueryBuilder('b').where('b.tenantId = :tenantId', { tenantId }), {
      sortColumn: 'b.createdAt',
      idColumn: 'b.id',
      position: (b) => ({ sort: b.createdAt, id: b.id }),
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  async get(tenantId: string, id: string): Promise<SendBudget> {
    const budget = await this.budgets.findOneBy({ id, tenantId });
    if (!budget) throw new NotFoundError('Budget');
    return budget;
  }

  async update(principal: Principal, id: string, dto: UpdateBudgetDto): Promise<SendBudget> {
    const budget = await this.get(principal.tenantId, id);
    if (dto.maxMessages !== undefined) budget.maxMessages = dto.maxMessages;
    if (dto.maxCostEur !== undefined) budget.maxCostEur = dto.maxCostEur;
    requireCap(budget.maxMessages, budget.maxCostEur);
    if (dto.hardStop !== undefined) budget.hardStop = dto.hardStop;
    if (dto.alertThresholdPct !== undefined) budget.alertThresholdPct = dto.alertThresholdPct;
    const columns: (keyof SendBudget)[] = ['maxMessages', 'maxCostEur', 'hardStop', 'alertThresholdPct', 'updatedAt'];
    if (dto.period !== undefined && dto.period !== budget.period) {
      // The counters stay: what was spent is not forgotten by renaming the period; the new one ends at its own boundary.
      const { start, end } = periodContaining(dto.period, this.clock.now());
      budget.period = dto.period;
      budget.periodStartedAt = start;
      budget.periodResetAt = end;
      columns.push('period', 'periodStartedAt', 'periodResetAt');
    }
    budget.updatedAt = this.clock.now();
    return this.write(budget.providerId, async (manager) => {
      // Only the fields of the request: the counters move concurrently (reservations) and must not be written back.
      await manager.update(SendBudget, { id }, Object.fromEntries(columns.map((c) => [c, budget[c]])));
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'budget.updated',
          entityType: 'message_send_budget',
          entityId: id,
          changes: { fields: fieldNames(dto) },
        },
        manager,
      );
      return manager.findOneByOrFail(SendBudget, { id });
    });
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const budget = await this.get(principal.tenantId, id);
    await this.write(budget.providerId, async (manager) => {
      await manager.delete(SendBudget, { id });
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.sub,
          action: 'budget.deleted',
          entityType: 'message_send_budget',
          entityId: id,
          changes: { providerId: budget.providerId },
        },
        manager,
      );
    });
  }

  /**
   * As clients should see it: a period that has ended shows as the one under way, with nothing counted yet
   * (the next reservation or the reset job writes it so).
   */
  toResponse(budget: SendBudget): BudgetResponse {
    const current = { start: budget.periodStartedAt, end: budget.periodResetAt };
    const now = this.clock.now();
    const period = catchUp(budget.period, current, now);
    const ended = period !== current;
    return {
      id: budget.id,
      providerId: budget.providerId,
      period: budget.period,
      maxMessages: budget.maxMessages,
      maxCostEur: budget.maxCostEur === null ? null : normalizeDecimal(budget.maxCostEur),
      hardStop: budget.hardStop,
      alertThresholdPct: budget.alertThresholdPct,
      currentPeriodMessages: ended ? 0 : budget.currentPeriodMessages,
      currentPeriodCostEur: ended ? '0' : normalizeDecimal(budget.currentPeriodCostEur),
      periodStartedAt: period.start.toISOString(),
      periodResetAt: period.end.toISOString(),
      createdAt: budget.createdAt.toISOString(),
      updatedAt: budget.updatedAt.toISOString(),
    };
  }

  /** Every budget write: one transaction with its audit row, then every instance forgets the provider's budgets. */
  private async write<T>(providerId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction(work);
    await this.cache.invalidate([providerId]);
    return result;
  }
}

function requireCap(maxMessages: number | null, maxCostEur: string | null): void {
  if (maxMessages === null && maxCostEur === null) {
    throw new ValidationFailedError({ maxMessages: 'give maxMessages, maxCostEur or both', maxCostEur: 'give maxMessages, maxCostEur or both' });
  }
}

function fieldNames(dto: object): string[] {
  return Object.entries(dto)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);
}
