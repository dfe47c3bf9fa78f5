import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';

/** The one error shape of every non-2xx answer, as the OpenAPI document's `ErrorResponse` component. */
export class ErrorResponse {
  @ApiProperty({
    type: 'object',
    selfRequired: true,
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: Object.values(ErrorCode), description: 'Stable camelCase code: switch on this' },
      message: { type: 'string', description: 'For people; may change' },
      details: { type: 'object', additionalProperties: true, description: 'e.g. `fields` for validationFailed, `errorId` for internal' },
    },
  })
  error!: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** What each status means in this API (the contract's codes). */
const MEANING: Record<number, string> = {
  400: '`validationFailed` (details.fields: {field: message}), `invalidPhoneNumber`, `invalidSignature` (webhooks)',
  401: '`unauthorized`: missing, invalid or expired token',
  403: '`forbidden`: the token lacks the role',
  404: '`notFound`: no such id for this tenant',
  409: '`conflict`',
  413: '`payloadTooLarge`',
  415: '`unsupportedMediaType`: send JSON',
  422: 'A refusal: `noActiveProvider`, `optedOut`, `sessionWindowExpired`, `consentRequired`, `templateNotFound`, `templateNotApproved`, `templateParameterMismatch`, `tierLimitReached`, `budgetExceeded`',
  429: '`rateLimited`',
  500: '`internal` (details.errorId names the logged error)',
  503: '`serviceUnavailable`: retry later',
};

/** A status, or a status with what it means on this operation. */
export type ApiErrorSpec = number | { status: number; description: string };

/** The errors a JSON body brings on its own: invalid (400), too large (413), not JSON (415). */
export const JSON_BODY_ERRORS = [400, 413, 415] as const;

/**
 * Documents the error answers of an operation (or of every operation of a controller) with the shared
 * ErrorResponse schema; 500 is always one of them. Errors are JSON even where the operation's success is
 * not (metrics, the webhook handshake).
 */
export function ApiErrors(...specs: ApiErrorSpec[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, string>([[500, MEANING[500]]]);
  for (const spec of specs) {
    const { status, description } = typeof spec === 'number' ? { status: spec, description: MEANING[spec] } : spec;
    if (!description) throw new Error(`ApiErrors: no meaning for status ${status}; give a description`);
    byStatus.set(status, description);
  }
  const content = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } };
  return applyDecorators(ApiExtraModels(ErrorResponse), ...[...byStatus].map(([status, description]) => ApiResponse({ status, description, content })));
}

/** For JWT-protected controllers: the bearer scheme, and the 401/403 every such route can answer. */
export function ApiAuthenticated(): ClassDecorator & MethodDecorator {
  return applyDecorators(ApiBearerAuth(), ApiErrors(401, 403));
}
