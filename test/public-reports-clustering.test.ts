import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalizeLink, extractHandles, extractLinks, extractPhones, detectLanguage } from '../src/modules/publicreports/extract.js';
import { validateReport } from '../src/modules/publicreports/index.js';
import { startWorkers, type RunningWorkers } from '../src/worker/runtime.js';
import { startTestHub, type TestHub } from './harness.js';

/**
 * Clustering of public reports into claims, on a fixture of 40 reports of 9 true claims: paraphrases, one link
 * shared with different tracking parameters, one phone number written four ways, other languages, unrelated
 * reports. Pairwise precision and recall are printed and held to a floor; then the same through the outbox and
 * the workers, as in production.
 */

interface FixtureReport {
  truth: string;
  language: string;
  claim?: string;
  link?: string;
}

const FIXTURE: FixtureReport[] = [
  // A: vote by text (paraphrases in English, the same claim in Spanish, Chinese and Vietnamese).
  { truth: 'A', language: 'en', claim: 'You can vote by text this year: text your name and address to cast your ballot.' },
  { truth: 'A', language: 'en', claim: 'Text message says you can vote by text this year, just text your name and address.' },
  { truth: 'A', language: 'en', claim: 'Someone posted that you can vote by text message this year by texting your name and address' },
  { truth: 'A', language: 'en', claim: 'vote by text this year - text your name and address to vote' },
  { truth: 'A', language: 'en', claim: 'A post claims voters can vote by text this year if they text their name and address.' },
  { truth: 'A', language: 'es', claim: 'Dicen que este año se puede votar por mensaje de texto enviando su nombre y dirección.' },
  { truth: 'A', language: 'es', claim: 'Un mensaje dice que este año se puede votar por mensaje de texto con su nombre y dirección.' },
  { truth: 'A', language: 'zh', claim: '有人說今年可以用簡訊投票，只要傳送您的姓名和地址。' },
  { truth: 'A', language: 'vi', claim: 'Có tin nhắn nói rằng năm nay có thể bỏ phiếu bằng tin nhắn văn bản.' },
  // B: the election moved to Wednesday.
  { truth: 'B', language: 'en', claim: 'Because of high turnout the election has been moved to Wednesday November 4 for Republicans.' },
  { truth: 'B', language: 'en', claim: 'Heard the election has been moved to Wednesday for Republicans because of high turnout' },
  { truth: 'B', language: 'en', claim: 'Post says Republicans vote on Wednesday, the election has been moved because of high turnout.' },
  { truth: 'B', language: 'en', claim: 'The election has been moved to Wednesday for Republicans due to high turnout.' },
  { truth: 'B', language: 'es', claim: 'Dicen que la elección se cambió al miércoles para los republicanos por la alta participación.' },
  // C: a phone number to "register by phone", written four ways.
  { truth: 'C', language: 'en', claim: 'Robocall: call 916-555-0142 to register to vote by phone before Friday.' },
  { truth: 'C', language: 'en', claim: 'Got a text telling me to register over the phone at (916) 555-0142' },
  { truth: 'C', language: 'es', claim: 'Llamada: regístrese para votar por teléfono al 916.555.0142' },
  { truth: 'C', language: 'en', claim: 'Flyer: +1 916 555 0142 phone registration line for new voters' },
  // D: one link, shared with different tracking parameters, some without any text.
  { truth: 'D', language: 'en', link: 'https://ca-ballot-update.example/notice?utm_source=facebook&utm_medium=social', claim: 'This site says my ballot was cancelled.' },
  { truth: 'D', language: 'en', link: 'http://www.CA-Ballot-Update.example/notice/?fbclid=IwAR0abc' },
  { truth: 'D', language: 'es', link: 'https://ca-ballot-update.example/notice#top', claim: 'Esta página dice que mi boleta fue cancelada.' },
  { truth: 'D', language: 'en', claim: 'Saw ca-ballot-update.example/notice?gclid=xyz shared in a group, says ballots cancelled' },
  // E: immigration agents at polling places.
  { truth: 'E', language: 'en', claim: 'ICE agents will be checking papers at polling places in Fresno on election day.' },
  { truth: 'E', language: 'en', claim: 'Rumor that ICE agents are checking papers at Fresno polling places on election day' },
  { truth: 'E', language: 'en', claim: 'ICE agents at polling places in Fresno checking papers election day, per a viral post' },
  { truth: 'E', language: 'es', claim: 'Dicen que agentes de ICE revisarán papeles en los centros de votación de Fresno.' },
  // F: drop boxes removed.
  { truth: 'F', language: 'en', claim: 'All ballot drop boxes in Los Angeles County have been removed, mail ballots will not be counted.' },
  { truth: 'F', language: 'en', claim: 'Los Angeles County removed all ballot drop boxes and mail ballots will not be counted' },
  { truth: 'F', language: 'en', claim: 'ballot drop boxes in los angeles county removed?? mail ballots not counted' },
  // G: the handle of a fake account.
  { truth: 'G', language: 'en', claim: '@CA_Elections_Official says polls close at 5pm this year instead of 8pm.' },
  { truth: 'G', language: 'en', claim: 'Account @ca_elections_official posted that polls close at 5pm not 8pm' },
  { truth: 'G', language: 'en', claim: 'A fake @CA_Elections_Official account says polls close at 5 pm this year instead of 8 pm.' },
  // Unrelated, one each.
  { truth: 'U1', language: 'en', claim: 'My neighbor says voting machines in Orange County flip votes.' },
  { truth: 'U2', language: 'en', claim: 'Flyer says you need a passport to vote in California.' },
  { truth: 'U3', language: 'en', claim: 'Video claims dead people voted in Sacramento in 2020.' },
  { truth: 'U4', language: 'en', claim: 'Email says my registration expired and asks for my Social Security number.' },
  { truth: 'U5', language: 'ko', claim: '투표소에서 영어 시험을 봐야 한다는 소문이 돌고 있습니다.' },
  { truth: 'U6', language: 'en', claim: 'Text says polling place at Lincoln High moved to the library.' },
  { truth: 'U7', language: 'en', claim: 'Post says noncitizens received ballots in the mail in San Diego.' },
  { truth: 'U8', language: 'ja', claim: '投票所で写真付き身分証明書が必要だという投稿を見ました。' },
];

/** Pairwise precision and recall of predicted clusters against the truth. */
function pairwise(truth: string[], predicted: string[], counts: (i: number, j: number) => boolean = () => true): { precision: number; recall: number; tp: number; fp: number; fn: number } {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < truth.length; i++) {
    for (let j = i + 1; j < truth.length; j++) {
      if (!counts(i, j)) continue;
      const t = truth[i] === truth[j];
      const p = predicted[i] === predicted[j];
      if (t && p) tp++;
      else if (!t && p) fp++;
      else if (t && !p) fn++;
    }
  }
  return { precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1), tp, fp, fn };
}

describe('extraction', () => {
  it('canonicalizes links: host lowercased, www and tracking parameters and fragments dropped, http and https one', () => {
    const canonical = 'https://ca-ballot-update.example/notice';
    for (const raw of ['https://ca-ballot-update.example/notice?utm_source=facebook&utm_medium=social', 'http://www.CA-Ballot-Update.example/notice/?fbclid=IwAR0abc', 'https://ca-ballot-update.example/notice#top', 'ca-ballot-update.example/notice?gclid=1']) {
      expect(canonicalizeLink(raw)).toBe(canonical);
    }
    // What identifies the page stays, in one order.
    expect(canonicalizeLink('https://x.example/watch?v=abc&utm_campaign=z&list=9')).toBe('https://x.example/watch?list=9&v=abc');
    expect(canonicalizeLink('javascript:alert(1)')).toBeNull();
    expect(canonicalizeLink('https://localhost/')).toBeNull();
  });

  it('extracts links, handles and US phone numbers, written however', () => {
    expect(extractLinks('see ca-ballot-update.example/notice?gclid=xyz, and https://t.example/a.')).toEqual(['https://ca-ballot-update.example/notice', 'https://t.example/a']);
    expect(extractHandles('@CA_Elections_Official and me@example.org and (@x_y)')).toEqual(['@ca_elections_official', '@x_y']);
    for (const s of ['916-555-0142', '(916) 555-0142', '916.555.0142', '+1 916 555 0142']) expect(extractPhones(`call ${s} now`)).toEqual(['+19165550142']);
    expect(extractPhones('text VOTE to 45678')).toEqual(['short:45678']);
  });

  it('detects the language of the text', () => {
    expect(detectLanguage('Dicen que este año se puede votar por mensaje de texto.')).toBe('es');
    expect(detectLanguage('Có tin nhắn nói rằng năm nay có thể bỏ phiếu bằng tin nhắn văn bản.')).toBe('vi');
    expect(detectLanguage('short')).toBeNull();
  });
});

describe('clustering public reports into claims', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
  }, 60_000);
  afterAll(async () => hub?.close());

  async function submit(r: FixtureReport, address = '127.0.0.1'): Promise<{ id: string; reference: string }> {
    const v = validateReport(r.language, { claim: r.claim ?? '', link: r.link ?? '', where: 'SOCIAL_MEDIA', when: 'TODAY' });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    return hub.deps.services.publicReports.submit(v.value, { clientAddress: address });
  }

  it(`clusters the fixture (${FIXTURE.length} reports) as expected: precision and recall`, async () => {
    const ids: string[] = [];
    for (const r of FIXTURE) ids.push((await submit(r)).id);
    for (const id of ids) await hub.deps.services.claims.clusterReport(id);
    const rows = await hub.db.selectFrom('public_reports').select(['id', 'claim_id', 'cluster_reason']).where('id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const predicted = ids.map((id) => byId.get(id)!.claim_id!);
    const truth = FIXTURE.map((r) => r.truth);
    const m = pairwise(truth, predicted);
    const claims = new Set(predicted).size;
    // Trigram similarity cannot see that a Spanish and an English sentence say the same thing: across languages
    // only a shared link or phone number joins reports (analysts merge the rest). Recall is given both ways.
    const sameLanguage = pairwise(truth, predicted, (i, j) => FIXTURE[i]!.language === FIXTURE[j]!.language);
    // The figures the issue asks for, printed with every run.
    console.log(
      `clustering fixture: ${FIXTURE.length} reports, ${new Set(truth).size} true claims, ${claims} claims formed; ` +
        `pairwise precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)} (tp ${m.tp}, fp ${m.fp}, fn ${m.fn}); ` +
        `same-language pairs: precision ${sameLanguage.precision.toFixed(3)}, recall ${sameLanguage.recall.toFixed(3)}`,
    );
    for (const t of new Set(truth)) {
      const members = FIXTURE.map((r, i) => ({ r, claim: predicted[i] })).filter((x) => x.r.truth === t);
      if (new Set(members.map((x) => x.claim)).size > 1) console.log(`  ${t} split over ${new Set(members.map((x) => x.claim)).size} claims: ${members.map((x) => `${x.r.language}:${x.claim!.slice(0, 4)}`).join(' ')}`);
    }
    expect(m.precision).toBeGreaterThanOrEqual(0.95);
    expect(sameLanguage.recall).toBeGreaterThanOrEqual(0.85);
    expect(m.recall).toBeGreaterThanOrEqual(0.45);
    // The link and phone claims join at once, whatever the tracking parameters or the formatting.
    const of = (t: string) => ids.filter((_, i) => FIXTURE[i]!.truth === t).map((id) => byId.get(id)!.claim_id);
    expect(new Set(of('C')).size).toBe(1);
    expect(new Set(of('D')).size).toBe(1);
    // No unrelated report joins another.
    for (const u of ['U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7', 'U8']) {
      const claim = of(u)[0];
      expect(predicted.filter((p) => p === claim)).toHaveLength(1);
    }
    const reasons = rows.map((r) => r.cluster_reason);
    expect(reasons).toContain('LINK');
    expect(reasons).toContain('PHONE');
    expect(reasons).toContain('SIMILAR_TEXT');
  });

  it('is idempotent, and never joins a closed claim', async () => {
    const a = await submit({ truth: 'X', language: 'en', claim: 'Polls in Alpine County open at noon on election day this year.' });
    const first = await hub.deps.services.claims.clusterReport(a.id);
    expect(first?.reason).toBe('NEW_CLAIM');
    expect(await hub.deps.services.claims.clusterReport(a.id)).toBeNull();
    await hub.db.updateTable('claims').set({ status: 'RESOLVED' }).where('id', '=', first!.claimId).execute();
    const b = await submit({ truth: 'X', language: 'en', claim: 'Polls in Alpine County open at noon on election day this year!' });
    const second = await hub.deps.services.claims.clusterReport(b.id);
    expect(second?.claimId).not.toBe(first!.claimId);
  });
});

describe('clustering through the outbox and the workers', () => {
  let hub: TestHub;
  let workers: RunningWorkers;
  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
    workers = await startWorkers(hub.deps);
  }, 60_000);
  afterAll(async () => {
    await workers?.close();
    await hub?.close();
  });

  it('a report stored by the form is clustered by a worker within seconds; 41 reports like it are one claim', async () => {
    const refs: string[] = [];
    for (let i = 0; i < 41; i++) {
      const v = validateReport('es', { claim: `Dicen que se puede votar por mensaje de texto este año${'!'.repeat(i % 3)} ${i % 2 ? 'enviando su nombre' : ''}`, where: 'TEXT_MESSAGE', when: 'TODAY' });
      if (!v.ok) throw new Error('invalid');
      refs.push((await hub.deps.services.publicReports.submit(v.value, { clientAddress: `10.0.0.${i}` })).reference);
    }
    const deadline = Date.now() + 30_000;
    let rows: Array<{ claim_id: string | null }> = [];
    while (Date.now() < deadline) {
      rows = await hub.db.selectFrom('public_reports').select('claim_id').where('reference', 'in', refs).execute();
      if (rows.every((r) => r.claim_id)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows.every((r) => r.claim_id)).toBe(true);
    expect(new Set(rows.map((r) => r.claim_id)).size).toBe(1);
  }, 60_000);
});
