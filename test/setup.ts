// Every test runs with the network shut: nock refuses any request that no test mocked,
// and a test that leaves a mocked request unused fails, so a mock can never go stale.
import nock from 'nock';
import { afterEach, beforeAll, afterAll } from 'vitest';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) {
    throw new Error(`unused HTTP mocks: ${pending.join(', ')}`);
  }
});

afterAll(() => {
  nock.enableNetConnect();
});
