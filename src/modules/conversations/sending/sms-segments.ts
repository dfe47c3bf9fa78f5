// GSM 03.38 basic character set (one septet each) and its extension table (escape + char: two septets).
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

export const SMS_MAX_CHARACTERS = 1600;

export interface SmsSegmentation {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  segments: number;
}

/**
 * How many SMS segments a text costs: GSM-7 fits 160 septets in one segment and 153 per segment when
 * concatenated; one character outside GSM-7 makes the whole message UCS-2 (70, then 67 per segment), where
 * characters outside the BMP (most emoji) take two units.
 */
export function countSmsSegments(text: string): SmsSegmentation {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (BASIC.has(char)) septets += 1;
    else if (EXTENSION.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', units: septets, segments: segmentsFor(septets, 160, 153) };
  const units = text.length; // UTF-16 code units: surrogate pairs count twice, as on the air interface
  return { encoding: 'UCS-2', units, segments: segmentsFor(units, 70, 67) };
}

function segmentsFor(units: number, single: number, concatenated: number): number {
  if (units === 0) return 1;
  return units <= single ? 1 : Math.ceil(units / concatenated);
}

/** Characters as people count them (code points), for the 1600-character limit. */
export function characterCount(text: string): number {
  return [...text].length;
}
