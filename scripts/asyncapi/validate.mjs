// Validates an AsyncAPI document with the official parser (@asyncapi/parser), as CI does.
// Usage: node scripts/asyncapi/validate.mjs docs/asyncapi.yaml
// The parser is installed by scripts/clients-up into target/asyncapi/node_modules (from this
// directory's package-lock.json). Exits 1 on any error or warning diagnostic, printing them.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'target/asyncapi/package.json'));
const { Parser } = require('@asyncapi/parser');

const file = process.argv[2];
if (!file) {
  console.error('usage: validate.mjs <asyncapi.yaml>');
  process.exit(2);
}
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'), {
  source: resolve(file),
});
const severities = ['error', 'warning', 'info', 'hint'];
let failed = document === undefined;
for (const d of diagnostics) {
  const severity = severities[d.severity] ?? String(d.severity);
  if (d.severity <= 1) failed = true;
  if (d.severity <= 2) {
    console.log(`${severity} ${d.code} at ${(d.path ?? []).join('/')}: ${d.message}`);
  }
}
if (failed) {
  console.log(`${file}: refused by @asyncapi/parser`);
  process.exit(1);
}
const channels = document.channels().length;
const operations = document.operations().length;
const messages = document.components().messages().length;
console.log(
  `${file}: valid AsyncAPI ${document.version()} (${channels} channels, ${operations} operations, ${messages} messages)`,
);
