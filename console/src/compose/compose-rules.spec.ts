import {
  composeState,
  hoursAndMinutes,
  renderTemplatePreview,
  smsSegments,
  templateParametersComplete,
  templateSendParameters,
  type ComposeFacts,
} from './compose-rules';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const inOneHour = { open: true, expiresAt: new Date(NOW + 3_600_000).toISOString() };

function facts(overrides: Partial<ComposeFacts>): ComposeFacts {
  return { channel: 'whatsapp', consent: 'unknown', window: inOneHour, now: NOW, requireOptIn: true, ...overrides };
}

describe('composeState', () => {
  it('allows a free-form WhatsApp reply inside the window without an opt-in', () => {
    expect(composeState(facts({}))).toEqual({
      blocked: null,
      freeForm: true,
      templates: false,
      templatesOnly: false,
      windowOpen: true,
      windowLeft: 3_600_000,
    });
  });

  it('offers only templates outside the window to an opted-in contact', () => {
    const state = composeState(facts({ consent: 'opted_in', window: { open: false, expiresAt: new Date(NOW - 1).toISOString() } }));
    expect(state).toMatchObject({ blocked: null, freeForm: false, templates: true, templatesOnly: true, windowOpen: false, windowLeft: 0 });
  });

  it('treats a window expiring exactly now as closed, whatever its stale open flag says', () => {
    const state = composeState(facts({ consent: 'opted_in', window: { open: true, expiresAt: new Date(NOW).toISOString() } }));
    expect(state.windowOpen).toBe(false);
    expect(state.freeForm).toBe(false);
    expect(state.templates).toBe(true);
  });

  it('treats a contact who never wrote (no expiry) as outside the window', () => {
    expect(composeState(facts({ consent: 'opted_in', window: { open: false, expiresAt: null } }))).toMatchObject({
      windowOpen: false,
      templatesOnly: true,
    });
  });

  it('refuses templates outside the window without the opt-in the tenant requires', () => {
    const state = composeState(facts({ consent: 'unknown', window: null }));
    expect(state).toMatchObject({ blocked: 'consentRequired', freeForm: false, templates: false, templatesOnly: true });
  });

  it('allows templates without an opt-in when the tenant does not require one', () => {
    expect(composeState(facts({ consent: 'unknown', window: null, requireOptIn: false }))).toMatchObject({ blocked: null, templates: true });
  });

  it('puts an opt-out before everything, inside the window too', () => {
    expect(composeState(facts({ consent: 'opted_out' }))).toMatchObject({ blocked: 'optedOut', freeForm: false, templates: false, windowOpen: true });
    expect(composeState(facts({ consent: 'opted_out', window: null }))).toMatchObject({ blocked: 'optedOut', templatesOnly: true });
    expect(composeState(facts({ channel: 'sms', consent: 'opted_out', requireOptIn: false }))).toMatchObject({ blocked: 'optedOut', freeForm: false });
  });

  it('always allows free-form SMS when no opt-in is required, and has no window', () => {
    expect(composeState(facts({ channel: 'sms', consent: 'unknown', requireOptIn: false }))).toEqual({
      blocked: null,
      freeForm: true,
      templates: false,
      templatesOnly: false,
      windowOpen: false,
      windowLeft: 0,
    });
  });

  it('requires the SMS opt-in where the tenant asks for it', () => {
    expect(composeState(facts({ channel: 'sms', consent: 'unknown', requireOptIn: true }))).toMatchObject({ blocked: 'consentRequired', freeForm: false });
    expect(composeState(facts({ channel: 'sms', consent: 'opted_in', requireOptIn: true }))).toMatchObject({ blocked: null, freeForm: true });
  });
});

describe('hoursAndMinutes', () => {
  it('rounds down to whole minutes', () => {
    expect(hoursAndMinutes(23 * 3_600_000 + 12 * 60_000 + 59_999)).toEqual({ hours: 23, minutes: 12 });
    expect(hoursAndMinutes(59_999)).toEqual({ hours: 0, minutes: 0 });
    expect(hoursAndMinutes(-5)).toEqual({ hours: 0, minutes: 0 });
  });
});

describe('smsSegments', () => {
  it('counts an empty text as no segment', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', segments: 0, used: 0, perSegment: 160, capacity: 160, remaining: 160 });
  });

  it('fits exactly 160 GSM-7 characters in one segment and splits at 161', () => {
    expect(smsSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', segments: 1, used: 160, perSegment: 160, remaining: 0 });
    expect(smsSegments('a'.repeat(161))).toMatchObject({ segments: 2, used: 161, perSegment: 153, capacity: 306, remaining: 145 });
    expect(smsSegments('a'.repeat(306))).toMatchObject({ segments: 2, remaining: 0 });
    expect(smsSegments('a'.repeat(307))).toMatchObject({ segments: 3, capacity: 459 });
  });

  it('counts extension characters (euro sign, brackets) as two septets and stays GSM-7', () => {
    expect(smsSegments('€5')).toMatchObject({ encoding: 'GSM-7', used: 3 });
    expect(smsSegments('[x]{y}~^|\\')).toMatchObject({ encoding: 'GSM-7', used: 18 });
    // 159 basic characters and one euro sign: 161 septets, so two segments.
    expect(smsSegments(`${'a'.repeat(159)}€`)).toMatchObject({ segments: 2, used: 161 });
  });

  it('keeps the GSM-7 accented letters in GSM-7 and moves others to UCS-2', () => {
    expect(smsSegments('Café à ñ Ä ß')).toMatchObject({ encoding: 'GSM-7', used: 12 });
    expect(smsSegments('Ça coûte')).toMatchObject({ encoding: 'UCS-2', used: 8, perSegment: 70 });
  });

  it('counts an emoji as two UTF-16 code units in UCS-2', () => {
    expect(smsSegments('Hi 👋')).toEqual({ encoding: 'UCS-2', segments: 1, used: 5, perSegment: 70, capacity: 70, remaining: 65 });
    expect(smsSegments('👋'.repeat(35))).toMatchObject({ segments: 1, used: 70, remaining: 0 });
    expect(smsSegments('👋'.repeat(35) + 'a')).toMatchObject({ segments: 2, used: 71, perSegment: 67, capacity: 134 });
  });

  it('makes the euro sign count one unit once the text is UCS-2', () => {
    expect(smsSegments('€ 👋')).toMatchObject({ encoding: 'UCS-2', used: 4 });
  });
});

describe('templates', () => {
  const positional = { preview: 'Hello {{1}}, order {{2}} is ready.\n\n{{ 1 }} again', parameters: ['1', '2'], parameterFormat: 'positional' as const };
  const named = { preview: 'Hi {{first_name}}!', parameters: ['first_name'], parameterFormat: 'named' as const };

  it('fills placeholders, spaces inside the braces included, and leaves blank ones visible', () => {
    expect(renderTemplatePreview(positional, { '1': 'Sanne', '2': ' ' })).toBe('Hello Sanne, order {{2}} is ready.\n\nSanne again');
    expect(renderTemplatePreview(named, {})).toBe('Hi {{first_name}}!');
    expect(renderTemplatePreview(named, { first_name: '$& {{1}}' })).toBe('Hi $& {{1}}!');
  });

  it('is complete only when every parameter has a non-blank value', () => {
    expect(templateParametersComplete(positional, { '1': 'Sanne' })).toBe(false);
    expect(templateParametersComplete(positional, { '1': 'Sanne', '2': '  ' })).toBe(false);
    expect(templateParametersComplete(positional, { '1': 'Sanne', '2': 'A-1' })).toBe(true);
    expect(templateParametersComplete({ parameters: [] }, {})).toBe(true);
  });

  it('sends a list in position order for positional templates and an object for named ones', () => {
    expect(templateSendParameters({ ...positional, parameters: ['2', '10', '1'] }, { '1': 'a', '2': 'b', '10': 'c' })).toEqual(['a', 'b', 'c']);
    expect(templateSendParameters(named, { first_name: 'Sanne', other: 'x' })).toEqual({ first_name: 'Sanne' });
  });
});
