import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ColumnType, DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { hydrate } from '../../database/hydrate';
import { Notification } from '../budgets/notification.entity';
import { NotificationsService } from '../budgets/notifications.service';
import { ConsentRecord } from '../consent/consent-record.entity';
import { consentRecordResponse } from '../consent/consent-record.response';
import { Message } from '../conversations/message.entity';
import { MessagesService } from '../conversations/messages.service';
import { MediaFile } from '../media/media-file.entity';
import { MessageTemplate } from '../templates/message-template.entity';
import { TemplatesService } from '../templates/templates.service';
import type { EventPayload, EventType } from './event-types';

/** An event_outbox row as the relay reads it. */
export interface OutboxRow {
  id: string;
  type: string;
  tenant_id: string;
  occurred_at: Date | string;
  data: Record<string, unknown>;
}

type Snapshot = Record<string, unknown>;

/**
 * Turns the outbox's row snapshots (`to_jsonb(row)`, taken in the producing transaction) into the API
 * resources, with the same hydration and `toResponse` the API uses: no SQL, whatever the number of events.
 */
@Injectable()
export class EventDataMapper {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: MessagesService,
    private readonly templates: TemplatesService,
    private readonly notifications: NotificationsService,
  ) {}

  toPayloads(rows: readonly OutboxRow[]): Promise<EventPayload[]> {
    return Promise.resolve(rows.map((row) => this.toPayload(row)));
  }

  toPayload(row: OutboxRow): EventPayload {
    return {
      id: row.id,
      type: row.type as EventType,
      tenantId: row.tenant_id,
      occurredAt: new Date(row.occurred_at).toISOString(),
      data: this.dataOf(row.type, row.data),
    };
  }

  private dataOf(type: string, data: Snapshot): unknown {
    switch (type) {
      case 'message.received':
      case 'message.status':
      case 'message.failed':
        return this.messages.toResponse(this.message(data));
      case 'consent.changed':
        return consentRecordResponse(this.one(ConsentRecord, data));
      case 'budget.alert':
        return this.notifications.toResponse(this.one(Notification, data));
      case 'template.status':
        return this.templates.toResponse(this.one(MessageTemplate, data));
      default:
        // contact.erased (and any type whose producer writes the data itself).
        return data;
    }
  }

  /**
   * A message snapshot may carry its media_file row under `media_file` (null: none); without it the resource
   * reports the file as pending, as it is when an inbound message is filed (the download comes after).
   * Numeric columns are snapshotted as text (see MESSAGE_SNAPSHOT_SQL): money never goes through a float.
   */
  private message(data: Snapshot): Message {
    const { media_file: file, ...row } = data;
    const message = this.one(Message, decimalsAsText(row, MESSAGE_DECIMALS));
    if (file !== undefined) message.mediaFile = file === null ? null : this.one(MediaFile, file as Snapshot);
    return message;
  }

  /**
   * hydrate() as for `RETURNING *`, except that JSON has no timestamps: the snapshot's ISO strings become the
   * Dates the driver would have read.
   */
  private one<T extends ObjectLiteral>(target: EntityTarget<T>, data: Snapshot): T {
    const row = { ...data };
    for (const column of this.dataSource.getMetadata(target).columns) {
      const value = row[column.databaseName];
      if (typeof value === 'string' && isTimestamp(column.type)) row[column.databaseName] = new Date(value);
    }
    return hydrate(this.dataSource, target, [row])[0];
  }
}

function isTimestamp(type: ColumnType): boolean {
  return type === Date || type === 'timestamptz' || type === 'timestamp' || type === 'timestamp with time zone' || type === 'timestamp without time zone';
}

const MESSAGE_DECIMALS = ['cost_amount', 'cost_eur', 'budget_reserved_eur'] as const;

/** Snapshots from before numerics were written as text (or written by hand) still hydrate as the entity expects. */
function decimalsAsText(row: Snapshot, columns: readonly string[]): Snapshot {
  const out = { ...row };
  for (const column of columns) {
    if (typeof out[column] === 'number') out[column] = String(out[column]);
  }
  return out;
}
