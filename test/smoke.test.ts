import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

describe('smoke', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.close());

  it('answers viewer for a valid token', async () => {
    const u = await makeUser(hub.deps, 'county-orange', ['ANALYST']);
    const res = await hub.gql(u.token, '{ viewer { organization { slug } } organizations { slug } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer.organization.slug).toBe('county-orange');
    expect(res.data.organizations).toHaveLength(65);
  });
});
