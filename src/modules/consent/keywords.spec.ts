import { detectKeyword, withRequiredOptOuts } from './keywords';
import { DEFAULT_SETTINGS } from './tenant-settings.service';

const lists = { optOut: DEFAULT_SETTINGS.optOutKeywords, optIn: DEFAULT_SETTINGS.optInKeywords };

describe('detectKeyword', () => {
  it.each([
    ['STOP', 'opt-out', 'STOP'],
    ['stop', 'opt-out', 'STOP'],
    ['  Stop!  ', 'opt-out', 'STOP'],
    ['"stop."', 'opt-out', 'STOP'],
    ['Uitschrijven', 'opt-out', 'UITSCHRIJVEN'],
    ['unsubscribe 🙏', 'opt-out', 'UNSUBSCRIBE'],
    ['start', 'opt-in', 'START'],
    ['Ja!', 'opt-in', 'JA'],
    ['UNSTOP', 'opt-in', 'UNSTOP'],
  ])('%j → %s %s', (text, intent, keyword) => {
    expect(detectKeyword(text, lists)).toEqual({ intent, keyword });
  });

  it.each(['please stop', 'stop it', 'STOPP', 'st op', '', '!!!', null, 'Hallo'])('%j is not a keyword', (text) => {
    expect(detectKeyword(text, lists)).toBeNull();
  });
});

describe('withRequiredOptOuts', () => {
  it('adds the carriers’ words to a tenant’s list, keeping the tenant’s first and each word once', () => {
    expect(withRequiredOptOuts([])).toEqual(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
    expect(withRequiredOptOuts(['HALT', 'QUIT'])).toEqual(['HALT', 'QUIT', 'STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END']);
    expect(withRequiredOptOuts(DEFAULT_SETTINGS.optOutKeywords)).toEqual(DEFAULT_SETTINGS.optOutKeywords);
  });
});
