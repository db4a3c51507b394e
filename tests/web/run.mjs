// ctest entry for the browser tests: exit 77 (skipped) when Debian's
// Chromium or the npm packages (npm ci) are missing, else run `node --test`
// on the files given, passing its exit status on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, HERE } from './helpers.mjs';

if (!existsSync(CHROMIUM)) {
    console.log(`SKIP: ${CHROMIUM} not found (apt-get install chromium, or scripts/setup.sh)`);
    process.exit(77);
}
if (!existsSync(join(HERE, 'node_modules', 'playwright-core'))) {
    console.log('SKIP: tests/web/node_modules missing (cd tests/web && npm ci)');
    process.exit(77);
}
const files = process.argv.slice(2).map((f) => join(HERE, f));
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
