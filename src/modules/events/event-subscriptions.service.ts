import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../../auth/principal';
import { AuditLogService } from '../../common/audit/audit-log.service';
import { SecretBox } from '../../common/crypto/secret-box';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../common/errors/domain-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE, type Page } from '../../common/pagination/keyset-pagination';
import type { PageQueryDto } from '../../common/pagination/page-query.dto';
import { VendorAddressPolicy } from '../providers/http/vendor-address-policy';
import type {
  CreatedEventSubscriptionResponse,
  CreateEventSubscriptionDto,
  EventSubscriptionResponse,
  UpdateEventSubscriptionDto,
} from './dto/event-subscription.dto';
import type { EventType } from './event-types';
import { generateSubscriptionSecret } from './event-signature';

/** How long a rotated-out secret keeps signing alongside the new one. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/** An event_subscription row (database column names). */
export interface SubscriptionRow {
  id: string;
  tenant_id: string;
  url: string;
  events: EventType[];
  active: boolean;
  description: string | null;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  deactivated_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What signs a delivery, per secret column (the row id is authenticated with it, like vendor credentials). */
type SecretField = 'secret' | 'previous_secret';

/** Admin CRUD of a tenant's event subscriptions; secrets sealed at rest, every change audited. */
@Injectable()
export class EventSubscriptionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    private readonly audit: AuditLogService,
    private readonly addresses: VendorAddressPolicy,
  ) {}

  async create(principal: Principal, dto: CreateEventSubscriptionDto): Promise<CreatedEventSubscriptionResponse> {
    await this.checkUrl(dto.url);
    const id = randomUUID();
    const secret = generateSubscriptionSecret();
    const row = await this.dataSource.transaction(async (manager) => {
      const [created] = await manager.query<SubscriptionRow[]>(
        `INSERT INTO event_subscription (id, tenant_id, url, events, active, description, secret_encrypted)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [id, principal.tenantId, dto.url, dto.events, dto.active ?? true, dto.description ?? null, this.seal(id, 'secret', secret)],
      );
      await this.record(manager, principal, 'event_subscription.created', id, { fields: fieldNames(dto) });
      return created;
    });
    return { ...this.toResponse(row), secret };
  }

  async list(tenantId: string, query: PageQueryDto): Promise<Page<SubscriptionRow>> {
    const limit = pageSize(query.limit);
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows = await this.dataSource.query<SubscriptionRow[]>(
      `SELECT * FROM event_subscription
       WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [tenantId, after?.s ?? null, after?.i ?? null, limit + 1],
    );
    return pageOf(rows, limit);
  }

  /** A subscription of this tenant; another tenant's id is as unknown as a made-up one. */
  async get(tenantId: string, id: string): Promise<SubscriptionRow> {
    const [row] = await this.dataSource.query<SubscriptionRow[]>(`SELECT * FROM event_subscription WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    if (!row) throw new NotFoundError('Event subscription');
    return row;
  }

  async update(principal: Principal, id: string, dto: UpdateEventSubscriptionDto): Promise<SubscriptionRow> {
    const current = await this.get(principal.tenantId, id);
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    // Switched back on by an admin: its failure history no longer counts towards deactivation.
    const reactivated = dto.active === true && !current.active;
    const row = await this.dataSource.transaction(async (manager) => {
      const [rows] = await manager.query<[SubscriptionRow[], number]>(
        `UPDATE event_subscription SET
           url = COALESCE($3, url),
           events = COALESCE($4::text[], events),
           active = COALESCE($5, active),
           description = CASE WHEN $6 THEN $7 ELSE description END,
           failing_since = CASE WHEN $8 THEN NULL ELSE failing_since END,
           deactivated_reason = CASE WHEN $8 THEN NULL ELSE deactivated_reason END,
           updated_at = now()
         WHERE id = $1 AND tenant_id = $2 RETURNING *`,
        [
          id,
          principal.tenantId,
          dto.url ?? null,
          dto.events ?? null,
          dto.active ?? null,
          dto.description !== undefined,
          dto.description ?? null,
          reactivated,
        ],
      );
      if (rows.length === 0) throw new NotFoundError('Event subscription');
      await this.record(manager, principal, 'event_subscription.updated', id, { fields: fieldNames(dto) });
      return rows[0];
    });
    return row;
  }

  /** Its deliveries and their attempts go with it. */
  async remove(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [, count] = await manager.query<[unknown[], number]>(`DELETE FROM event_subscription WHERE id = $1 AND tenant_id = $2`, [id, principal.tenantId]);
      if (count === 0) throw new NotFoundError('Event subscription');
      await this.record(manager, principal, 'event_subscription.deleted', id);
    });
  }

  /** A new secret; the current one becomes the previous one and keeps signing for PREVIOUS_SECRET_GRACE_MS. */
  async rotateSecret(principal: Principal, id: string): Promise<string> {
    const current = await this.get(principal.tenantId, id);
    const secret = generateSubscriptionSecret();
    const previous = this.open(id, 'secret', current.secret_encrypted);
    await this.dataSource.transaction(async (manager) => {
      const [, count] = await manager.query<[unknown[], number]>(
        `UPDATE event_subscription SET secret_encrypted = $3, previous_secret_encrypted = $4,
           previous_secret_expires_at = now() + $5 * interval '1 millisecond', updated_at = now()
         WHERE id = $1 AND tenant_id = $2 AND secret_encrypted = $6`,
        [id, principal.tenantId, this.seal(id, 'secret', secret), this.seal(id, 'previous_secret', previous), PREVIOUS_SECRET_GRACE_MS, current.secret_encrypted],
      );
      // Rotated by someone else meanwhile: theirs stands (otherwise one of the two new secrets would never sign).
      if (count === 0) throw new ConflictError('The secret was rotated meanwhile; rotate again if needed.');
      await this.record(manager, principal, 'event_subscription.secret_rotated', id);
    });
    return secret;
  }

  /** The secrets that sign a delivery now: the current one, then the previous one while its grace lasts. */
  signingSecrets(
    row: Pick<SubscriptionRow, 'id' | 'secret_encrypted' | 'previous_secret_encrypted' | 'previous_secret_expires_at'>,
    now: Date,
  ): string[] {
    const secrets = [this.open(row.id, 'secret', row.secret_encrypted)];
    if (row.previous_secret_encrypted && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at) > now) {
      secrets.push(this.open(row.id, 'previous_secret', row.previous_secret_encrypted));
    }
    return secrets;
  }

  toResponse(row: SubscriptionRow): EventSubscriptionResponse {
    return {
      id: row.id,
      url: row.url,
      events: row.events,
      active: row.active,
      description: row.description,
      failingSince: row.failing_since ? new Date(row.failing_since).toISOString() : null,
      deactivatedReason: row.deactivated_reason,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  /** Parley POSTs to it: public https, as vendor URLs (VendorAddressPolicy), checked again on every connection. */
  private async checkUrl(url: string): Promise<void> {
    const problem = await this.addresses.baseUrlProblem(url);
    if (problem) throw new ValidationFailedError({ url: problem });
  }

  private record(manager: EntityManager, principal: Principal, action: string, id: string, changes?: Record<string, unknown>): Promise<void> {
    return this.audit.record({ tenantId: principal.tenantId, actor: principal.sub, action, entityType: 'event_subscription', entityId: id, changes }, manager);
  }

  private seal(id: string, field: SecretField, value: string): string {
    return this.secretBox.seal(value, `event_subscription:${id}:${field}`);
  }

  private open(id: string, field: SecretField, sealed: string): string {
    return this.secretBox.open(sealed, `event_subscription:${id}:${field}`);
  }
}

export function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
}

/** `rows` fetched with `limit + 1`, newest first by (created_at, id). */
export function pageOf<T extends { id: string; created_at: Date }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor({ s: new Date(last.created_at).toISOString(), i: last.id }) : null,
  };
}

function fieldNames(dto: object): string[] {
  return Object.entries(dto)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);
}
