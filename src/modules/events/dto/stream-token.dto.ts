import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class StreamTokenResponse {
  @ApiProperty({ description: 'Opens `GET /api/v1/events/stream?access_token=…` and nothing else; valid for 60 s' })
  token!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}

/** The stream's query: what EventSource can carry, since it cannot set headers. */
export class EventStreamQuery {
  @ApiPropertyOptional({
    name: 'access_token',
    description: 'A stream token (or an API token) for clients that cannot send `Authorization` (EventSource). Never logged.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  access_token?: string;

  @ApiPropertyOptional({
    description: 'Resume after this event id, like the `Last-Event-ID` header (which wins when both are given)',
    format: 'uuid',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  lastEventId?: string;
}
