/**
 * When a claim becomes an incident on its own (issue 16): past the configured thresholds (reports, or
 * counties, within a window), or at once when it is about how, when or where to vote and election day is at
 * most 29 days away. The voting-logistics test is a list of phrases per language of the catalogs, matched on
 * the claim's reports; a miss only means the thresholds decide.
 */

const VOTING_LOGISTICS: RegExp[] = [
  // English
  /\bvote (by|via|over|through) (text|sms|phone|e-?mail|internet|online|app)\b/i,
  /\b(polls?|polling (places?|locations?|stations?)|vote centers?|drop ?box(es)?)\b[^.!?]{0,40}\b(clos(e|ed|es|ing)|open(s|ing)? at|moved|relocated|removed|cancel+ed|shut)\b/i,
  /\b(election|voting|election day) (has been |was |is )?(moved|postponed|delayed|rescheduled|cancel+ed|changed)\b/i,
  /\b(vote|votes|voting) on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/i,
  /\b(republicans?|democrats?) (vote|votes|voting) on\b/i,
  /\bregister (to vote )?(by|over|via) (the )?(phone|text)\b/i,
  /\b(ballots?|mail ballots?) (will not|won't|will no longer) be counted\b/i,
  // Spanish
  /\bvotar (por|con) (mensaje|texto|tel[eé]fono|internet|correo electr[oó]nico)\b/i,
  /\b(la )?elecci[oó]n (se )?(cambi[oó]|pospuso|aplaz[oó]|cancel[oó])\b/i,
  /\bcentros? de votaci[oó]n (cerrad|cambiad|movid)/i,
  // Chinese, Vietnamese, Korean, Japanese, Tagalog (the commonest phrasings)
  /(簡訊|短信|电话|電話|網上|网上)投票/,
  /(選舉|选举)(日)?(改期|延期|取消|改到)/,
  /bỏ phiếu (bằng|qua) (tin nhắn|điện thoại|mạng)/i,
  /(문자|전화|온라인)(로|으로)? 투표/,
  /(メール|電話|ネット|テキスト)で投票/,
  /bumoto (sa|gamit ang) (text|telepono)/i,
];

export function isVotingLogistics(text: string): boolean {
  return VOTING_LOGISTICS.some((r) => r.test(text));
}

/** Whether `now` is within the 29 days before election day (Pacific), election day included. */
export function withinElectionPeriod(electionDate: string | null, now = new Date()): boolean {
  if (!electionDate) return false;
  // Election day ends at midnight Pacific (UTC-8 in November: polls close 20:00 PST = 04:00 UTC next day).
  const end = Date.parse(`${electionDate}T00:00:00-08:00`) + 24 * 3_600_000;
  const start = end - 30 * 24 * 3_600_000;
  const t = now.getTime();
  return t >= start && t < end;
}
