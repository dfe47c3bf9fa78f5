import pino from 'pino';
import { loggerOptions, maskPhoneNumbers, redactQuerySecrets } from './logger-options';

describe('maskPhoneNumbers', () => {
  it('masks E.164, spaced and bare international numbers', () => {
    expect(maskPhoneNumbers('to +31612345678 now')).toBe('to +*******5678 now');
    expect(maskPhoneNumbers('from whatsapp:+31 6 1234 5678')).toBe('from whatsapp:+*******5678');
    expect(maskPhoneNumbers('wa_id 31612345678')).toBe('wa_id *******5678');
    expect(maskPhoneNumbers('/api/v1/contacts?phoneNumber=+31612345678')).toBe('/api/v1/contacts?phoneNumber=+*******5678');
  });

  it('leaves ids, dates and short numbers alone', () => {
    const text = 'id 123e4567-e89b-12d3-a456-426614174000 at 2026-11-21T20:57:45.123Z took 1234 ms';
    expect(maskPhoneNumbers(text)).toBe(text);
  });
});

describe('log redaction', () => {
  function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
    const chunks: string[] = [];
    const options = loggerOptions({ logLevel: 'info', nodeEnv: 'test' }).pinoHttp as pino.LoggerOptions;
    const { redact, formatters, hooks } = options;
    const logger = pino({ redact, formatters, hooks }, { write: (chunk: string) => chunks.push(chunk) });
    return { logger, lines: () => chunks.map((c) => JSON.parse(c) as Record<string, unknown>) };
  }

  it('redacts secrets and message bodies at any depth and masks phone numbers', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        provider: { credentials: { authToken: 'tok_live_secret' }, webhookSecret: 'whsec' },
        message: { text: 'my private message', to: '+31612345678' },
        headers: { authorization: 'Bearer abc.def' },
      },
      'sending to +31612345678',
    );
    const [line] = lines();
    const text = JSON.stringify(line);
    expect(text).not.toContain('tok_live_secret');
    expect(text).not.toContain('whsec');
    expect(text).not.toContain('my private message');
    expect(text).not.toContain('abc.def');
    expect(text).not.toContain('31612345678');
    expect(line.msg).toBe('sending to +*******5678');
    expect((line.message as { to: string }).to).toBe('+*******5678');
  });

  it("logs the event stream's request line without its access_token", () => {
    const options = loggerOptions({ logLevel: 'info', nodeEnv: 'test' }).pinoHttp as pino.LoggerOptions;
    const serialize = options.serializers!.req as (req: { id: string; method: string; url: string }) => { url: string };
    const line = serialize({ id: '1', method: 'GET', url: '/api/v1/events/stream?access_token=eyJhbGciOi.eyJzdWIi.c2ln&lastEventId=abc' });
    expect(line.url).toBe('/api/v1/events/stream?access_token=[redacted]&lastEventId=abc');
  });
});

describe('redactQuerySecrets', () => {
  it('hides shared secrets vendors put in webhook URLs', () => {
    expect(redactQuerySecrets('/webhooks/sms/p1?secret=s3cr3t&x=1')).toBe('/webhooks/sms/p1?secret=[redacted]&x=1');
    expect(redactQuerySecrets('/webhooks/whatsapp/p1?hub.mode=subscribe&hub.verify_token=abc&hub.challenge=1')).toBe(
      '/webhooks/whatsapp/p1?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=1',
    );
    expect(redactQuerySecrets('/api/v1/contacts?q=secret')).toBe('/api/v1/contacts?q=secret');
  });

  it("hides the event stream's access_token, wherever it sits in the query", () => {
    expect(redactQuerySecrets('/api/v1/events/stream?access_token=eyJ.a.b')).toBe('/api/v1/events/stream?access_token=[redacted]');
    expect(redactQuerySecrets('/api/v1/events/stream?lastEventId=x&ACCESS_TOKEN=eyJ.a.b#f')).toBe(
      '/api/v1/events/stream?lastEventId=x&ACCESS_TOKEN=[redacted]#f',
    );
  });
});
