// The PouchDB side of tests/bench/peers (issue 13): express-pouchdb 4.2 on express 4 serves the
// dataset from an in-memory PouchDB 9 on 127.0.0.1; a fresh in-memory PouchDB 9 replicates it
// over HTTP, then the changed records. Bytes on the wire are counted by a pass-through TCP proxy
// in front of the server (both directions, HTTP included), as bench_peers counts Liaison's.
// Two servers: express-pouchdb as shipped (gzip on: its compression middleware) and the same
// without the compression middleware (identity).
// The incremental figure is the median over PHASES phases (default 15, as bench_peers); phase p
// changes the records p places after the dataset's changed ones, as bench_peers does, so that
// each document is changed once (a document changed again carries a longer revision history).
//   node pouchdb.mjs DATASET.json [PHASES]
// Prints `pouchdb_*` lines (name: value) on stdout.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb').plugin(require('pouchdb-adapter-memory'));
const express = require('express');
const expressPouchDB = require('express-pouchdb');

const MemoryPouch = PouchDB.defaults({ adapter: 'memory' });

function docOf(contact) {
  const { id, ...fields } = contact;
  return { _id: id, ...fields };
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// A TCP pass-through that counts every byte in both directions.
async function countingProxy(targetPort) {
  const counter = { bytes: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.on('data', (d) => { counter.bytes += d.length; upstream.write(d); });
    upstream.on('data', (d) => { counter.bytes += d.length; client.write(d); });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await listen(server);
  return { server, port, counter };
}

async function serve(dataset, gzip) {
  const app = express();
  const options = { mode: 'minimumForPouchDB', inMemoryConfig: true, logPath: '/dev/null' };
  if (!gzip) options.overrideMode = { exclude: ['compression'] };
  app.use('/', expressPouchDB(MemoryPouch, options));
  const http = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.on('listening', resolve));
  const db = new MemoryPouch(`contacts-${gzip ? 'gzip' : 'identity'}`);
  await db.bulkDocs(dataset.contacts.map(docOf));
  const proxy = await countingProxy(http.address().port);
  return { http, db, proxy, name: db.name };
}

// Phase p (0-based) of the incremental figure: bench_peers's idInPhase, phoneInPhase and
// notesInPhase.
function idInPhase(dataset, position, changedId, phase) {
  return dataset.contacts[(position.get(changedId) + phase) % dataset.contacts.length].id;
}

function phoneInPhase(phone, phase) {
  if (phase === 0) return phone;
  const last = Number(phone.slice(-3));
  return phone.slice(0, -3) + String(100 + ((last - 100 + phase) % 900));
}

function notesInPhase(notes, phase) {
  return phase === 0 ? notes : `${notes} (${phase + 1})`;
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

async function replicateInto(local, remoteUrl) {
  // A plain PouchDB for the URL: the memory defaults would open an empty local database by it.
  const remote = new PouchDB(remoteUrl);
  const result = await local.replicate.from(remote, { batch_size: 100 });
  if (!result.ok) throw new Error('replication failed');
  return result;
}

async function measure(dataset, gzip, phases) {
  const side = await serve(dataset, gzip);
  const remote = `http://127.0.0.1:${side.proxy.port}/${side.name}`;
  const local = new MemoryPouch(`device-${gzip ? 'gzip' : 'identity'}-${Date.now()}`);

  side.proxy.counter.bytes = 0;
  let t = process.hrtime.bigint();
  await replicateInto(local, remote);
  const freshS = Number(process.hrtime.bigint() - t) / 1e9;
  const freshBytes = side.proxy.counter.bytes;
  const info = await local.info();
  if (info.doc_count !== dataset.contacts.length) throw new Error(`device has ${info.doc_count} docs`);

  // HQ changes some records on the server; the device replicates again; PHASES times.
  const position = new Map(dataset.contacts.map((c, i) => [c.id, i]));
  const phaseS = [];
  const phaseBytes = [];
  for (let phase = 0; phase < phases; ++phase) {
    const ids = dataset.changes.map((c) => idInPhase(dataset, position, c.id, phase));
    const changed = await side.db.allDocs({ keys: ids, include_docs: true });
    await side.db.bulkDocs(changed.rows.map((row, i) => ({
      ...row.doc,
      phone: phoneInPhase(dataset.changes[i].phone, phase),
      notes: notesInPhase(dataset.changes[i].notes, phase),
      h24: true,
    })));
    side.proxy.counter.bytes = 0;
    t = process.hrtime.bigint();
    await replicateInto(local, remote);
    phaseS.push(Number(process.hrtime.bigint() - t) / 1e9);
    phaseBytes.push(side.proxy.counter.bytes);
    const check = await local.get(ids[0]);
    if (check.notes !== notesInPhase(dataset.changes[0].notes, phase)) {
      throw new Error('a change did not reach the device');
    }
  }

  await local.destroy();
  side.proxy.server.close();
  side.http.close();
  return {
    freshS,
    freshBytes,
    incrementalS: median(phaseS),
    incrementalMinS: Math.min(...phaseS),
    incrementalMaxS: Math.max(...phaseS),
    incrementalBytes: Math.round(median(phaseBytes)),
  };
}

const dataset = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const phases = Number(process.argv[3] ?? 15);
const perChange = Math.floor(dataset.contacts.length / Math.max(1, dataset.changes.length));
const most = Math.min(899, perChange);
if (!Number.isInteger(phases) || phases < 1 || phases > most) {
  throw new Error(`PHASES: 1 to ${most}`);
}
const identity = await measure(dataset, false, phases);
const gzip = await measure(dataset, true, phases);
const out = {
  pouchdb_fresh_records: dataset.contacts.length,
  pouchdb_fresh_s: gzip.freshS,
  pouchdb_fresh_identity_s: identity.freshS,
  pouchdb_fresh_wire_identity_bytes: identity.freshBytes,
  pouchdb_fresh_wire_gzip_bytes: gzip.freshBytes,
  pouchdb_incremental_records: dataset.changes.length,
  pouchdb_incremental_phases: phases,
  pouchdb_incremental_s: gzip.incrementalS,
  pouchdb_incremental_min_s: gzip.incrementalMinS,
  pouchdb_incremental_max_s: gzip.incrementalMaxS,
  pouchdb_incremental_wire_identity_bytes: identity.incrementalBytes,
  pouchdb_incremental_wire_gzip_bytes: gzip.incrementalBytes,
};
for (const [k, v] of Object.entries(out)) console.log(`${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`);
process.exit(0);
