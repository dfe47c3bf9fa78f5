import {
  BadRequestException,
  ForbiddenException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  UnauthorizedException,
} from '@nestjs/common';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { DomainError, ValidationFailedError } from './domain-error';
import { ErrorCode } from './error-code';
import { validationFields } from './validation';

describe('AllExceptionsFilter', () => {
  const filter = new AllExceptionsFilter();

  beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('renders domain errors with their code, status and details', () => {
    expect(filter.render(new DomainError(ErrorCode.OptedOut, 'The contact opted out.', { channel: 'sms' }))).toEqual({
      status: 422,
      body: { error: { code: 'optedOut', message: 'The contact opted out.', details: { channel: 'sms' } } },
    });
    expect(filter.render(new ValidationFailedError({ to: 'must be E.164' }))).toEqual({
      status: 400,
      body: { error: { code: 'validationFailed', message: 'The request is invalid.', details: { fields: { to: 'must be E.164' } } } },
    });
  });

  it.each([
    [new UnauthorizedException(), 401, 'unauthorized'],
    [new ForbiddenException(), 403, 'forbidden'],
    [new NotFoundException('Cannot GET /x'), 404, 'notFound'],
    [new PayloadTooLargeException(), 413, 'payloadTooLarge'],
    [new BadRequestException('Unexpected token'), 400, 'validationFailed'],
  ])('maps %p to %i %s', (exception, status, code) => {
    const rendered = filter.render(exception);
    expect(rendered.status).toBe(status);
    expect(rendered.body.error.code).toBe(code);
    expect(typeof rendered.body.error.message).toBe('string');
  });

  it('gives plain 400s the fields detail', () => {
    expect(filter.render(new BadRequestException('Unexpected token')).body.error.details).toEqual({ fields: { body: 'Unexpected token' } });
  });

  it('hides unknown errors behind an errorId and logs the stack', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const secret = new Error('connection to postgres://user:hunter2@db failed');
    const { status, body } = filter.render(secret);
    expect(status).toBe(500);
    expect(body.error.code).toBe('internal');
    expect(body.error.details?.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(JSON.stringify(body)).not.toContain('at ');
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ err: secret, errorId: body.error.details?.errorId }), 'unhandled error');
  });

  it('flattens nested validation errors into dotted field paths', () => {
    expect(
      validationFields([
        { property: 'channel', constraints: { isIn: 'channel must be whatsapp or sms' }, children: [] },
        {
          property: 'template',
          children: [{ property: 'name', constraints: { isString: 'name must be a string' }, children: [] }],
        },
      ]),
    ).toEqual({ channel: 'channel must be whatsapp or sms', 'template.name': 'name must be a string' });
  });
});
