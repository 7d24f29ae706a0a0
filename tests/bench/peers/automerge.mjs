// The Automerge side of tests/bench/peers (issue 13, apply_10k_over_automerge): the same 10,000
// one-field operations bench_peers applies to Liaison's encrypted store (the ten fields of the
// first 1,000 contacts: a map with the name, then one put per field), made as 10,000 Automerge 3
// changes on one document, then applied to a fresh document with applyChanges, timed.
//   node automerge.mjs DATASET.json [OPS]
// Prints `automerge_*` lines (name: value) on stdout.
import { readFileSync } from 'node:fs';
import * as Automerge from '@automerge/automerge';

const dataset = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const opCount = Number(process.argv[3] ?? 10000);

// The ten fields bench_peers writes, as its FieldMap orders them (name first, then by key).
function fieldsOf(c) {
  return [
    ['name', c.name],
    ['address', c.address],
    ['country', c.country],
    ['emails', [c.email]],
    ['languages', c.languages],
    ['notes', c.notes],
    ['organisation', c.organisation],
    ['phones', [{ label: 'office', number: c.phone, h24: c.h24 }]],
    ['role', c.role],
    ['timeZone', c.timeZone],
  ];
}

let source = Automerge.init();
let made = 0;
for (let i = 0; made < opCount; ++i) {
  const c = dataset.contacts[i];
  if (!c) throw new Error('not enough contacts');
  const fields = fieldsOf(c);
  for (let f = 0; f < fields.length && made < opCount; ++f, ++made) {
    const [key, value] = fields[f];
    source = Automerge.change(source, (d) => {
      if (f === 0) d[c.id] = { [key]: value };
      else d[c.id][key] = value;
    });
  }
}
const changes = Automerge.getAllChanges(source);
if (changes.length !== opCount) throw new Error(`${changes.length} changes`);

const runs = [];
for (let r = 0; r < 3; ++r) {
  const t = process.hrtime.bigint();
  const [applied] = Automerge.applyChanges(Automerge.init(), changes);
  runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (Object.keys(applied).length !== Math.ceil(opCount / 10)) throw new Error('record count');
}
runs.sort((a, b) => a - b);
console.log(`automerge_apply_ops: ${opCount}`);
console.log(`automerge_apply_10k_ms: ${runs[0].toFixed(2)}`);
