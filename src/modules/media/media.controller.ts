import { Controller, Get, Headers, Inject, Logger, Param, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { TenantId } from '../../auth/auth.decorators';
import { NotFoundError } from '../../common/errors/domain-error';
import { ParseIdPipe } from '../../common/http/parse-id.pipe';
import { ApiAuthenticated, ApiErrors } from '../../common/openapi/api-errors';
import { AppConfig } from '../../config/app-config';
import type { MediaStatus } from './media-file.entity';
import { MediaUnavailableError, RangeNotSatisfiableError } from './media-errors';
import { contentDisposition } from './storage/media-key';
import { type ByteRange, MEDIA_STORAGE, MediaObjectMissing, type MediaStorage } from './storage/media-storage';

interface ServedRow {
  status: MediaStatus;
  reason: string | null;
  storage_key: string | null;
  mime_type: string | null;
  file_name: string | null;
  size: string | null;
  serve_unscanned: boolean;
}

/** A Range header as this route reads it: one range, or none (absent, several, or not bytes), or unsatisfiable. */
export type RangeRequest = { kind: 'whole' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range (`a-b`, `a-`, `-n`) against an object of `size` bytes. Several ranges, other units and
 * malformed headers are ignored (the whole file is served), as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  const match = header ? /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header) : null;
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'whole' };
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? Infinity : Number(match[2]);
  if (end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end: Math.min(end, size - 1) } };
}

@ApiTags('messages')
@ApiAuthenticated()
@Controller('api/v1/messages')
export class MediaController {
  private readonly logger = new Logger(MediaController.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly config: AppConfig,
  ) {}

  @Get(':id/media')
  @ApiOperation({
    summary: "Download an inbound message's file",
    description:
      'Streams the stored bytes with their sniffed content type, `Content-Disposition: attachment` with the sanitized name and ' +
      '`X-Content-Type-Options: nosniff`. One `Range` (`bytes=a-b`, `a-`, `-n`) answers 206. Only `available` files are served ' +
      "(and `unscanned` ones where the tenant's serveUnscannedMedia allows).",
  })
  @ApiHeader({ name: 'Range', required: false, description: 'One byte range, e.g. `bytes=0-1023`' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } })
  @ApiResponse({ status: 206, description: 'The requested range', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } })
  @ApiErrors(
    { status: 416, description: '`rangeNotSatisfiable`: the range lies outside the file (`Content-Range: bytes */<size>`)' },
    { status: 404, description: '`notFound`: no such message for this tenant, or it carries no file' },
    { status: 409, description: '`mediaUnavailable`: not (yet) servable; details.status and details.reason say why' },
  )
  async download(
    @TenantId() tenantId: string,
    @Param('id', ParseIdPipe) id: string,
    @Headers('range') rangeHeader: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const rows = await this.dataSource.query<ServedRow[]>(
      `SELECT f.status, f.reason, f.storage_key, f.mime_type, f.file_name, f.size,
              coalesce(s.serve_unscanned_media, $3) AS serve_unscanned
       FROM message m
       JOIN media_file f ON f.message_id = m.id
       LEFT JOIN tenant_settings s ON s.tenant_id = m.tenant_id
       WHERE m.id = $1 AND m.tenant_id = $2 AND m.deleted_at IS NULL`,
      [id, tenantId, this.config.media.serveUnscannedByDefault],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError('Media');
    const servable = row.status === 'available' || (row.status === 'unscanned' && row.serve_unscanned);
    if (!servable || !row.storage_key || row.size === null) throw new MediaUnavailableError(row.status, row.reason);

    const size = Number(row.size);
    const range = parseRange(rangeHeader, size);
    const headers: Record<string, string> = {
      'content-type': row.mime_type ?? 'application/octet-stream',
      'content-disposition': contentDisposition(row.file_name ?? 'file'),
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-store',
    };
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${size}`);
      throw new RangeNotSatisfiableError(size);
    }
    let object;
    try {
      object = await this.storage.get(row.storage_key, range.kind === 'range' ? range.range : undefined);
    } catch (e) {
      if (!(e instanceof MediaObjectMissing)) throw e;
      this.logger.error({ messageId: id, storageKey: row.storage_key }, 'an available media file is missing from storage');
      throw new MediaUnavailableError(row.status, 'The stored file is missing');
    }
    headers['content-length'] = String(object.contentLength);
    if (range.kind === 'range') headers['content-range'] = `bytes ${range.range.start}-${range.range.end}/${object.totalSize}`;
    await reply
      .status(range.kind === 'range' ? 206 : 200)
      .headers(headers)
      .send(object.body);
  }
}
