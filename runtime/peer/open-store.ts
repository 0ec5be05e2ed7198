/** Opens the LMDB store of a data directory, or reports why it cannot (`error <code>: ...`). */
import { LmdbCheckpointStore, StoreError, type PeerIncarnation } from '../persistence/store/index.js';

export interface OpenedStore {
  store: LmdbCheckpointStore;
  incarnation: PeerIncarnation;
}

/** The opened store, or undefined after a report. Errors other than StoreError are thrown. */
export async function openStore(dir: string, report: (line: string) => void): Promise<OpenedStore | undefined> {
  const store = new LmdbCheckpointStore(dir);
  try {
    return { store, incarnation: await store.open() };
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    report(`error ${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
    return undefined;
  }
}
