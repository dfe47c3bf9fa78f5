import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IANAZone } from 'luxon';
import { Brackets, type EntityManager, Repository } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../common/errors/domain-error';
import { paginate, type Page } from '../../common/pagination/keyset-pagination';
import { normalizePhoneNumber } from '../../common/phone/phone-number';
import { ConsentStateService } from '../consent/consent-state.service';
import { Contact } from './contact.entity';
import { Conversation } from './conversation.entity';
import type { ContactQueryDto, ContactResponse, CreateContactDto, UpdateContactDto } from './dto/contact.dto';
import { sessionWindow } from './session-window';

@Injectable()
export class ContactsService {
  constructor(
    @InjectRepository(Contact) private readonly contacts: Repository<Contact>,
    @InjectRepository(Conversation) private readonly conversations: Repository<Conversation>,
    private readonly consent: ConsentStateService,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, dto: CreateContactDto): Promise<Contact> {
    const phoneNumber = normalizePhoneNumber(dto.phoneNumber);
    const inserted = await this.contacts
      .createQueryBuilder()
      .insert()
      .values({ tenantId, phoneNumber, name: dto.name?.trim() || null, externalRef: dto.externalRef ?? null })
      .orIgnore()
      .returning('id')
      .execute();
    const id = (inserted.raw as { id: string }[])[0]?.id;
    if (!id) throw new ConflictError('A contact with this phone number exists.', { phoneNumber });
    return this.get(tenantId, id);
  }

  /**
   * The contact with this E.164 number, created when new (concurrent callers get the same row). A name is
   * filled in when the contact has none (e.g. the WhatsApp profile name), never overwritten.
   */
  async findOrCreate(tenantId: string, phoneNumber: string, name?: string, manager?: EntityManager): Promise<Contact> {
    const repository = manager ? manager.getRepository(Contact) : this.contacts;
    const rows = await repository.query<{ id: string }[]>(
      `INSERT INTO contact (tenant_id, phone_number, name) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, phone_number)
       DO UPDATE SET name = coalesce(contact.name, EXCLUDED.name),
                     updated_at = CASE WHEN contact.name IS NULL AND EXCLUDED.name IS NOT NULL THEN now() ELSE contact.updated_at END
       RETURNING id`,
      [tenantId, phoneNumber, name?.trim() || null],
    );
    return repository.findOneByOrFail({ id: rows[0].id });
  }

  async get(tenantId: string, id: string): Promise<Contact> {
    const contact = await this.contacts.findOneBy({ id, tenantId });
    if (!contact) throw new NotFoundError('Contact');
    return contact;
  }

  search(tenantId: string, query: ContactQueryDto): Promise<Page<Contact>> {
    const qb = this.contacts.createQueryBuilder('c').where('c.tenantId = :tenantId', { tenantId });
    if (query.phoneNumber) {
      qb.andWhere('c.phoneNumber = :phoneNumber', { phoneNumber: normalizePhoneNumber(query.phoneNumber) });
    }
    if (query.whatsappUserId) qb.andWhere('c.whatsappUserId = :whatsappUserId', { whatsappUserId: query.whatsappUserId });
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const digits = query.q.replace(/\D/g, '');
      qb.andWhere(
        new Brackets((or) => {
          or.where('c.name ILIKE :like', { like }).orWhere('c.externalRef ILIKE :like', { like }).orWhere('c.whatsappUserId ILIKE :like', { like });
          if (digits.length >= 3) or.orWhere('c.phoneNumber LIKE :digits', { digits: `%${digits}%` });
        }),
      );
    }
    return paginate(qb, {
      sortColumn: 'c.createdAt',
      idColumn: 'c.id',
      position: (c) => ({ sort: c.createdAt, id: c.id }),
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  async update(tenantId: string, id: string, dto: UpdateContactDto): Promise<Contact> {
    const contact = await this.get(tenantId, id);
    if (dto.name !== undefined) contact.name = dto.name?.trim() || null;
    if (dto.externalRef !== undefined) contact.externalRef = dto.externalRef;
    if (dto.timezone !== undefined) {
      if (dto.timezone !== null && !IANAZone.isValidZone(dto.timezone)) {
        throw new ValidationFailedError({ timezone: 'must be an IANA time zone such as Europe/Amsterdam' });
      }
      contact.timezone = dto.timezone;
    }
    return this.contacts.save(contact);
  }

  async toResponse(contact: Contact): Promise<ContactResponse> {
    const [response] = await this.toResponses([contact]);
    return response;
  }

  /** Consent summaries and session windows for a page of contacts in two queries, not two per contact. */
  async toResponses(contacts: Contact[]): Promise<ContactResponse[]> {
    if (contacts.length === 0) return [];
    const ids = contacts.map((c) => c.id);
    const [summaries, lastInbound] = await Promise.all([
      this.consent.summaries(ids),
      this.conversations
        .createQueryBuilder('c')
        .select('c.contactId', 'contactId')
        .addSelect('max(c.lastInboundAt)', 'at')
        .where('c.contactId IN (:...ids) AND c.channel = :channel', { ids, channel: 'whatsapp' })
        .groupBy('c.contactId')
        .getRawMany<{ contactId: string; at: Date | null }>(),
    ]);
    const inboundByContact = new Map(lastInbound.map((row) => [row.contactId, row.at ? new Date(row.at) : null]));
    const now = this.clock.now();
    return contacts.map((contact) => ({
      id: contact.id,
      phoneNumber: contact.phoneNumber,
      whatsappUserId: contact.whatsappUserId,
      name: contact.name,
      externalRef: contact.externalRef,
      timezone: contact.timezone,
      consent: summaries.get(contact.id)!,
      sessionWindow: { whatsapp: sessionWindow(inboundByContact.get(contact.id) ?? null, now) },
      createdAt: contact.createdAt.toISOString(),
    }));
  }
}
