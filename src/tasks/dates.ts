/**
 * Campaign dates as the prompts speak them (Appendix A, task samples: "22th March 2021"). The
 * paper's samples write "02th", "22th", "01th": avakit writes correct English ordinals without a
 * leading zero ("2nd", "22nd", "1st"). Pure, no I/O.
 */

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** 1 → "1st", 2 → "2nd", 3 → "3rd", 11–13 → "11th"–"13th", 21 → "21st", 22 → "22nd". */
export function ordinal(n: number): string {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`ordinal: expected a whole number, got ${n}`);
  const lastTwo = n % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Dates already spoken: a build says each of a few thousand dates millions of times. */
const SPOKEN = new Map<string, string>();
const SPOKEN_MAX = 1 << 16;

/** "2021-03-22" → "22nd March 2021". Throws a RangeError for anything but a real YYYY-MM-DD date. */
export function spokenDate(isoDate: string): string {
  let spoken = SPOKEN.get(isoDate);
  if (spoken === undefined) {
    spoken = speakDate(isoDate);
    if (SPOKEN.size >= SPOKEN_MAX) SPOKEN.clear();
    SPOKEN.set(isoDate, spoken);
  }
  return spoken;
}

function speakDate(isoDate: string): string {
  const m = ISO_DATE.exec(isoDate);
  if (!m) throw new RangeError(`spokenDate: expected YYYY-MM-DD, got ${JSON.stringify(isoDate)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) {
    throw new RangeError(`spokenDate: ${isoDate} is not a calendar date`);
  }
  return `${ordinal(d)} ${MONTHS[mo - 1]!} ${m[1]!}`;
}

/**
 * The campaign-dates sentence of the TAG/TAP prompts (A.1: "The campaign ran between
 * {start_date and end_date}."). An ad still running has no end date: the paper has no wording
 * for it, so avakit says "The campaign started on X and was still running." rather than leave
 * "between X and" dangling.
 */
export function campaignDatesSentence(startDate: string, endDate: string | null): string {
  const start = spokenDate(startDate);
  return endDate === null
    ? `The campaign started on ${start} and was still running.`
    : `The campaign ran between ${start} and ${spokenDate(endDate)}.`;
}
