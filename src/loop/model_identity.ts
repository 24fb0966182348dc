// The identity that signs exported models (docs/model-import.md). Given by the ModelSigning:Key/Certificate
// settings, or else the store's own: generated the first time one is needed and kept in the store's settings, so
// that it survives restarts and every process serving the store signs with the same key and trusts the others'
// archives. It is written with a compare-and-set on the settings revision: of two processes generating at once,
// one stores its identity and the other takes that one. The key is never logged.
import { StaleSettingsError, type Store } from '../store/index.js';
import { generateIdentity, identityFrom, type SigningIdentity, type StoredIdentity } from './model_signing.js';

const SETTING = 'modelSigningIdentity';
// The revision counts every setting's writes, so a burst of policy or configuration changes meanwhile makes the
// compare-and-set fail without anyone having stored an identity: the key is generated once and the cheap
// read-and-write is tried again, after a short random pause, many times (the fuzz suite found 5 too few: a 500).
const ATTEMPTS = 100;

export async function signingIdentity(store: Store, given: StoredIdentity | undefined, now: number): Promise<SigningIdentity> {
  if (given) return identityFrom(given);
  let fresh: StoredIdentity | undefined;
  for (let attempt = 0; ; attempt++) {
    const revision = await store.settingsRevision();
    const stored = await store.getSetting<StoredIdentity>(SETTING);
    if (stored) return identityFrom(stored);
    fresh ??= await generateIdentity(now);
    try {
      await store.putSettings({ [SETTING]: fresh }, revision);
      return identityFrom(fresh);
    } catch (e) {
      if (!(e instanceof StaleSettingsError) || attempt >= ATTEMPTS) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 20));
    }
  }
}
