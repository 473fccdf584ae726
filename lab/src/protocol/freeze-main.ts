// `npm run lab:freeze`: records the hash of lab/src/protocol/tuned.ts's values in lab/tuned.lock.json.
import { LOCK_PATH, writeFreeze } from './freeze.ts';

const record = writeFreeze();
console.log(`froze the tuned constants: sha256 ${record.sha256} (candidate ${record.candidatePolicy}) -> ${LOCK_PATH}`);
