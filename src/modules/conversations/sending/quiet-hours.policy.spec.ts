import { DEFAULT_SETTINGS, type TenantSettings } from '../../consent/tenant-settings.service';
import { quietHoursRelease, type QuietHoursSubject } from './quiet-hours.policy';

const settings: TenantSettings = { ...DEFAULT_SETTINGS, quietHours: { start: '21:00', end: '08:00' }, timezone: 'Europe/Amsterdam' };
const night = new Date('2026-11-21T21:30:00Z'); // 22:30 in Amsterdam
const subject: QuietHoursSubject = {
  priority: 'normal',
  consentExempt: false,
  channel: 'whatsapp',
  type: 'template',
  lastInboundAt: null,
  contactTimezone: null,
};

describe('quietHoursRelease', () => {
  it('holds normal and low priority until the window ends where the contact lives', () => {
    expect(quietHoursRelease(subject, settings, night)).toEqual(new Date('2026-11-22T07:00:00Z'));
    expect(quietHoursRelease({ ...subject, priority: 'low' }, settings, night)).toEqual(new Date('2026-11-22T07:00:00Z'));
    expect(quietHoursRelease({ ...subject, contactTimezone: 'America/New_York' }, settings, night)).toBeNull();
    expect(quietHoursRelease(subject, { ...settings, quietHours: null }, night)).toBeNull();
  });

  it('lets high priority, keyword acknowledgements and replies inside an open WhatsApp window go at once', () => {
    expect(quietHoursRelease({ ...subject, priority: 'high' }, settings, night)).toBeNull();
    expect(quietHoursRelease({ ...subject, consentExempt: true }, settings, night)).toBeNull();
    const reply = { ...subject, type: 'text' as const, lastInboundAt: new Date('2026-11-21T20:00:00Z') };
    expect(quietHoursRelease(reply, settings, night)).toBeNull();
    expect(quietHoursRelease({ ...reply, channel: 'sms' }, settings, night)).toEqual(new Date('2026-11-22T07:00:00Z'));
  });
});
