// Independent checks of what `smp report` writes, with other people's implementations:
//  - badge.jws verified by the `jose` JOSE library and checked for every required Open Badges 3.0
//    field (docs/report-format.md, "badge.jws");
//  - xapi.json checked by Learning Locker's `xapi-validation`;
//  - `smp xapi send` against a real LRS on loopback (`xapi-statements`, lrs.cjs) with Basic auth,
//    idempotent re-sends and the offline outbox, and against a recording HTTP server for headers.
// Run: SMP_CLI=/path/to/smp SMP_SOURCE_DIR=/path/to/repo node --test interop.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// Missing dependencies are a failure with the fix in the message, never a silent skip.
for (const m of ['jose', 'xapi-validation', 'xapi-statements']) {
  if (!fs.existsSync(path.join(here, 'node_modules', m, 'package.json'))) {
    throw new Error(`npm package "${m}" is missing: run "npm ci --ignore-scripts" in ${here}`);
  }
}
const jose = await import('jose');
const validateStatement = require('xapi-validation').default;

const SMP = process.env.SMP_CLI;
const SRC = process.env.SMP_SOURCE_DIR;
if (!SMP || !fs.existsSync(SMP)) throw new Error('SMP_CLI must name the built smp binary');
if (!SRC) throw new Error('SMP_SOURCE_DIR must name the source tree');

const tmpRoot = process.env.SMP_TEST_TMP || os.tmpdir();
fs.mkdirSync(tmpRoot, { recursive: true });
const work = fs.mkdtempSync(path.join(tmpRoot, 'report-interop-'));

const academy = {
  format: 'smp-academy/1',
  id: 'https://academy.example/',
  name: 'Académie Lumière SMP',
  url: 'https://academy.example/',
  email: 'certs@academy.example',
};
const traineeName = 'Zoë Ångström-Núñez';

function run(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(SMP, args, { env: { ...process.env, ...env }, cwd: work });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runOk(args, env) {
  const r = await run(args, env);
  assert.equal(r.code, 0, `smp ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
// Every *.json under dir (relative paths); fs.readdirSync's own `recursive` needs node >= 18.17.
function jsonFiles(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) out.push(...jsonFiles(path.join(dir, e.name), rel));
    else if (e.name.endsWith('.json')) out.push(rel);
  }
  return out;
}
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest();

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts lrs.cjs; resolves {endpoint, child} once it prints its ready line.
function startLrs(user, password, port) {
  const lrsTmp = fs.mkdtempSync(path.join(work, 'lrs-'));
  const env = { ...process.env, LRS_USER: user, LRS_PASSWORD: password, LRS_TMP: lrsTmp };
  if (port) env.LRS_PORT = String(port);
  const child = spawn(process.execPath, [path.join(here, 'lrs.cjs')], { env });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`LRS did not start:\n${err}`)), 30000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ ...JSON.parse(out.slice(0, nl)), child });
      }
    });
    child.on('exit', (code) => reject(new Error(`LRS exited (${code}):\n${err}`)));
  });
}

function stopLrs(lrs) {
  return new Promise((resolve) => {
    if (lrs.child.exitCode !== null) return resolve();
    lrs.child.removeAllListeners('exit');
    lrs.child.once('exit', () => resolve());
    lrs.child.kill('SIGTERM');
  });
}

async function getStatement(endpoint, id, user, password) {
  const res = await fetch(`${endpoint}/statements?statementId=${id}`, {
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64'),
      'X-Experience-API-Version': '1.0.3',
    },
  });
  return { status: res.status, body: res.status === 200 ? await res.json() : await res.text() };
}

const passedDir = path.join(work, 'passed');
const failedDir = path.join(work, 'failed');
let record;
let failedRecord;

before(async () => {
  fs.writeFileSync(path.join(work, 'academy.json'), JSON.stringify(academy));
  await runOk(['keygen', '--out', 'academy.key', '--academy', 'academy.json', '--trusted-keys',
    'trusted.json', '--valid-from', '2026-01-01T00:00:00Z']);
  const scenario = path.join(SRC, 'scenarios', 'hairline-assessment.json');
  await runOk(['demo-session', '--scenario', scenario, '--out', 'expert.json', '--style', 'expert',
    '--trainee', 'T-042']);
  await runOk(['demo-session', '--scenario', scenario, '--out', 'novice.json', '--style', 'novice',
    '--trainee', 'T-043']);
  const common = ['--scenario', scenario, '--key', 'academy.key', '--instructor', 'Łukasz Wójcik',
    '--instructor-id', 'assessor-7', '--issued-at', '2026-11-24T10:00:00Z'];
  await runOk(['report', ...common, '--session', 'expert.json', '--trainee', 'T-042', '--name',
    traineeName, '--out', passedDir]);
  await runOk(['report', ...common, '--session', 'novice.json', '--trainee', 'T-043', '--name',
    'Jean Dupont', '--attempt', '2', '--out', failedDir]);
  record = readJson(path.join(passedDir, 'report.json'));
  failedRecord = readJson(path.join(failedDir, 'report.json'));
  assert.equal(record.overall.passed, true, 'the expert demo session should pass');
  assert.equal(failedRecord.overall.passed, false, 'the novice demo session should fail');
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('badge.jws (Open Badges 3.0 VC-JWT)', () => {
  const jwsOf = (dir) => fs.readFileSync(path.join(dir, 'badge.jws'), 'utf8').trim();

  test('verifies with jose: RS256, embedded JWK, kid = RFC 7638 thumbprint, JWT claims', async () => {
    const jws = jwsOf(passedDir);
    const { payload, protectedHeader } = await jose.jwtVerify(jws, jose.EmbeddedJWK, {
      algorithms: ['RS256'],
      issuer: academy.id,
      currentDate: new Date('2026-12-01T00:00:00Z'),
    });
    assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'jwk', 'kid', 'typ']);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(protectedHeader.typ, 'JWT');
    assert.equal(protectedHeader.kid, await jose.calculateJwkThumbprint(protectedHeader.jwk, 'sha256'));
    assert.equal(protectedHeader.kid, record.signer.badge_kid);
    assert.equal(payload.iss, payload.issuer.id);
    assert.equal(payload.jti, payload.id);
    assert.equal(payload.sub, payload.credentialSubject.id);
    assert.equal(payload.nbf, Date.parse(payload.validFrom) / 1000);
    // Not valid before it was issued.
    await assert.rejects(jose.jwtVerify(jws, jose.EmbeddedJWK, {
      currentDate: new Date('2026-11-01T00:00:00Z'),
    }));
  });

  test('verifies with the badge key published in the trusted-keys file', async () => {
    const trusted = readJson(path.join(work, 'trusted.json'));
    const key = await jose.importJWK(trusted.keys[0].badge_jwk, 'RS256');
    const { payload } = await jose.compactVerify(jwsOf(passedDir), key);
    assert.equal(JSON.parse(new TextDecoder().decode(payload)).id, record.report_id);
  });

  test('a changed payload or signature no longer verifies', async () => {
    const [h, p, s] = jwsOf(passedDir).split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    claims.credentialSubject.result[0].value = '12.3';  // was the trainee's real depth score
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    assert.notEqual(claims.credentialSubject.result[0].value, jose.decodeJwt(jwsOf(passedDir))
      .credentialSubject.result[0].value);
    const when = { currentDate: new Date('2026-12-01T00:00:00Z') };
    await assert.rejects(jose.jwtVerify(forged, jose.EmbeddedJWK, when),
      /signature verification failed/);
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 1;
    await assert.rejects(jose.jwtVerify(`${h}.${p}.${sig.toString('base64url')}`, jose.EmbeddedJWK,
      when), /signature verification failed/);
  });

  test('has every required Open Badges 3.0 field, with the record\'s figures', () => {
    const c = jose.decodeJwt(jwsOf(passedDir));
    assert.deepEqual(c['@context'], ['https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json']);
    assert.match(c.id, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(c.type, ['VerifiableCredential', 'OpenBadgeCredential']);
    assert.equal(c.issuer.id, academy.id);
    assert.ok(c.issuer.type.includes('Profile'));
    assert.equal(c.issuer.name, academy.name);
    assert.equal(c.validFrom, '2026-11-24T10:00:00Z');
    assert.ok(typeof c.name === 'string' && c.name.length > 0);

    const s = c.credentialSubject;
    assert.ok(s.type.includes('AchievementSubject'));
    assert.match(s.id, /^urn:uuid:/);
    const hashed = s.identifier.find((i) => i.identityType === 'ext:studentId');
    assert.equal(hashed.type, 'IdentityObject');
    assert.equal(hashed.hashed, true);
    assert.equal(hashed.identityHash,
      'sha256$' + sha256(Buffer.from('T-042' + hashed.salt)).toString('hex'));
    const named = s.identifier.find((i) => i.identityType === 'name');
    assert.equal(named.identityHash, traineeName);  // accents preserved

    const a = s.achievement;
    assert.match(a.id, /^urn:uuid:/);
    assert.ok(a.type.includes('Achievement'));
    assert.ok(a.name.length > 0 && a.description.length > 0);
    assert.ok(a.criteria.narrative.length > 0);
    assert.equal(a.achievementType, 'Assessment');
    assert.equal(a.version, String(record.scenario.version));
    // One RawScore per criterion, the overall RawScore and a Status.
    assert.equal(a.resultDescription.length, record.criteria.length + 2);
    const ids = new Set();
    for (const d of a.resultDescription) {
      assert.match(d.id, /^urn:uuid:/);
      assert.ok(d.type.includes('ResultDescription'));
      assert.ok(d.name.length > 0);
      assert.ok(['RawScore', 'Status'].includes(d.resultType));
      for (const k of ['valueMin', 'valueMax', 'requiredValue']) {
        if (k in d) assert.equal(typeof d[k], 'string', `${k} must be a string`);
      }
      ids.add(d.id);
    }
    assert.equal(s.result.length, a.resultDescription.length);
    for (const r of s.result) {
      assert.ok(r.type.includes('Result'));
      assert.ok(ids.has(r.resultDescription), 'result refers to a ResultDescription');
    }
    const byName = Object.fromEntries(a.resultDescription.map((d) => [d.name, d.id]));
    const valueOf = (name) => s.result.find((r) => r.resultDescription === byName[name]);
    for (const crit of record.criteria) {
      const expected = (crit.score_permille / 10).toFixed(1);
      assert.equal(valueOf(crit.label).value, expected, crit.key);
      const desc = a.resultDescription.find((d) => d.name === crit.label);
      assert.equal(desc.requiredValue, (crit.pass_mark_permille / 10).toFixed(1));
    }
    assert.equal(valueOf('Overall weighted score').value, (record.overall.score_permille / 10).toFixed(1));
    assert.equal(valueOf('Assessment outcome').status, 'Completed');

    // Evidence: each picture and the PDF, named by the hash of its bytes.
    const files = fs.readdirSync(passedDir).filter((f) => f.endsWith('.png') || f.endsWith('.pdf'));
    assert.ok(files.length >= 4);
    for (const f of files) {
      const digest = sha256(fs.readFileSync(path.join(passedDir, f))).toString('base64url');
      const ev = c.evidence.find((e) => e.id.startsWith(`ni:///sha-256;${digest}?`));
      assert.ok(ev, `evidence for ${f}`);
      assert.ok(ev.type.includes('Evidence'));
      assert.ok(ev.description.includes(sha256(fs.readFileSync(path.join(passedDir, f))).toString('hex')));
    }
  });

  test('a failed attempt gets no badge (nothing for a wallet), and its record names none', () => {
    assert.equal(fs.existsSync(path.join(failedDir, 'badge.jws')), false);
    assert.equal(failedRecord.files.some((f) => f.name === 'badge.jws'), false);
  });
});

describe('xapi.json', () => {
  test('every statement passes xapi-validation and carries the record', () => {
    for (const [dir, rec] of [[passedDir, record], [failedDir, failedRecord]]) {
      const { format, statements } = readJson(path.join(dir, 'xapi.json'));
      assert.equal(format, 'smp-xapi/1');
      assert.equal(statements.length, 1);
      const st = statements[0];
      assert.deepEqual(validateStatement(st), [], JSON.stringify(validateStatement(st)));
      assert.equal(st.verb.id, `http://adlnet.gov/expapi/verbs/${rec.overall.passed ? 'passed' : 'failed'}`);
      assert.equal(st.object.definition.type, 'http://adlnet.gov/expapi/activities/simulation');
      assert.equal(st.actor.account.name, rec.trainee.id);
      assert.equal(st.actor.name, rec.trainee.name);
      assert.equal(st.result.score.scaled, rec.overall.score_permille / 1000);
      assert.equal(st.result.score.raw, rec.overall.score_permille / 10);
      assert.equal(st.result.success, rec.overall.passed);
      assert.equal(st.result.completion, rec.session.finished);
      assert.match(st.result.duration, /^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$/);
      const crit = st.result.extensions['urn:smp-trainer:xapi:criteria'];
      assert.deepEqual(crit.map((c) => c.key), rec.criteria.map((c) => c.key));
      assert.equal(st.context.registration, rec.report_id.replace('urn:uuid:', ''));
      assert.equal(st.context.instructor.account.name, 'assessor-7');
      assert.equal(st.context.revision, String(rec.scenario.version));
      assert.equal(st.context.platform, rec.simulator_version);
      assert.equal(st.context.extensions['urn:smp-trainer:xapi:report'].attempt, rec.attempt);
    }
  });

  test('the validator does catch a broken statement (it is not a no-op)', () => {
    const st = readJson(path.join(passedDir, 'xapi.json')).statements[0];
    st.result.score.scaled = 1.5;
    assert.notDeepEqual(validateStatement(st), []);
  });
});

describe('smp xapi send', () => {
  const user = 'smp-client-key';
  const password = 'pa:ss-wörd';
  let lrs;
  before(async () => {
    lrs = await startLrs(user, password);
  });
  after(async () => {
    if (lrs) await stopLrs(lrs);
  });

  test('Basic auth: wrong password is refused and kept; the right one delivers', async () => {
    const outbox = path.join(work, 'outbox-auth');
    const id = readJson(path.join(passedDir, 'xapi.json')).statements[0].id;
    const bad = await run(['xapi', 'send', '--endpoint', lrs.endpoint, '--user', user,
      '--password', 'wrong', '--outbox', outbox, passedDir]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /HTTP 401/);
    assert.equal((await getStatement(lrs.endpoint, id, user, password)).status, 404);
    // The next send (no new report) flushes what was kept.
    const good = await run(['xapi', 'send', '--endpoint', lrs.endpoint, '--user', user,
      '--password', password, '--outbox', outbox]);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /1 sent, 0 queued, 0 rejected/);
    const got = await getStatement(lrs.endpoint, id, user, password);
    assert.equal(got.status, 200);
    const sent = readJson(path.join(passedDir, 'xapi.json')).statements[0];
    assert.equal(got.body.id, sent.id);
    assert.deepEqual(got.body.result, sent.result);
    assert.deepEqual(got.body.actor, sent.actor);
    assert.equal((await getStatement(lrs.endpoint, id, user, 'wrong')).status, 401);
  });

  test('re-sending is idempotent (same ids, stored once)', async () => {
    const outbox = path.join(work, 'outbox-idem');
    for (let i = 0; i < 2; ++i) {
      const r = await run(['xapi', 'send', '--endpoint', lrs.endpoint, '--user', user,
        '--password', password, '--outbox', outbox, passedDir, failedDir]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /2 sent, 0 queued, 0 rejected/);
    }
    const reg = failedRecord.report_id.replace('urn:uuid:', '');
    const res = await fetch(`${lrs.endpoint}/statements?registration=${reg}`, {
      headers: {
        Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64'),
        'X-Experience-API-Version': '1.0.3',
      },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).statements.length, 1);
  });

  test('offline: statements wait in the outbox and the next send delivers them', async () => {
    const outbox = path.join(work, 'outbox-offline');
    const port = await freePort();  // nothing listens here yet
    const endpoint = `http://127.0.0.1:${port}/xAPI`;
    const args = ['xapi', 'send', '--endpoint', endpoint, '--user', user, '--password', password,
      '--outbox', outbox, '--timeout', '5'];
    const offline = await run([...args, failedDir]);
    assert.equal(offline.code, 1);
    assert.match(offline.stdout, /QUEUED 1 statement\(s\): cannot reach/);
    assert.equal(jsonFiles(outbox).length, 1);
    // Still offline: queued once, not twice.
    assert.equal((await run([...args, failedDir])).code, 1);
    assert.equal(jsonFiles(outbox).length, 1);

    const late = await startLrs(user, password, port);
    try {
      const flushed = await run(args);
      assert.equal(flushed.code, 0, flushed.stdout + flushed.stderr);
      assert.match(flushed.stdout, /1 sent, 0 queued, 0 rejected/);
      const id = readJson(path.join(failedDir, 'xapi.json')).statements[0].id;
      assert.equal((await getStatement(endpoint, id, user, password)).status, 200);
      assert.equal(jsonFiles(outbox).length, 0);
    } finally {
      await stopLrs(late);
    }
  });
});

describe('smp xapi send, seen from a recording server', () => {
  let server;
  let endpoint;
  const seen = [];
  let answers = [];  // status codes to answer, in order (then 200)
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        const status = answers.length ? answers.shift() : 200;
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(status === 200 ? JSON.stringify([JSON.parse(body).id]) : '{"message":"no"}');
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${server.address().port}/lrs/xAPI/`;
  });
  after(() => new Promise((r) => server.close(r)));

  test('headers: xAPI version (default and configured), Basic auth, JSON body with its id', async () => {
    seen.length = 0;
    const outbox = path.join(work, 'outbox-headers');
    const base = ['xapi', 'send', '--endpoint', endpoint, '--user', 'k:ey', '--outbox', outbox];
    assert.equal((await run([...base, passedDir], { SMP_XAPI_PASSWORD: 's3cr:et' })).code, 0);
    assert.equal((await run([...base, '--password', 'p', '--xapi-version', '2.0.0', failedDir])).code, 0);
    assert.equal(seen.length, 2);
    assert.equal(seen[0].method, 'POST');
    assert.equal(seen[0].url, '/lrs/xAPI/statements');
    assert.equal(seen[0].headers['x-experience-api-version'], '1.0.3');
    assert.equal(seen[0].headers.authorization, 'Basic ' + Buffer.from('k:ey:s3cr:et').toString('base64'));
    assert.equal(seen[0].headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[0].body), readJson(path.join(passedDir, 'xapi.json')).statements[0]);
    assert.equal(seen[1].headers['x-experience-api-version'], '2.0.0');
  });

  test('server errors keep statements for a retry; refusals are set aside, not lost', async () => {
    seen.length = 0;
    const outbox = path.join(work, 'outbox-retry');
    const base = ['xapi', 'send', '--endpoint', endpoint, '--user', 'u', '--password', 'p',
      '--outbox', outbox];
    answers = [503];
    const first = await run([...base, passedDir, failedDir]);
    assert.equal(first.code, 1);
    assert.match(first.stdout, /QUEUED 2 statement\(s\): HTTP 503/);
    answers = [400];  // the oldest is refused for good, the other goes through
    const second = await run(base);
    assert.equal(second.code, 1);
    assert.match(second.stdout, /1 sent, 0 queued, 1 rejected/);
    const rejected = jsonFiles(outbox).filter((f) => f.includes('rejected'));
    assert.equal(rejected.length, 1);
    // Order: the statement queued first is tried first.
    const firstId = readJson(path.join(passedDir, 'xapi.json')).statements[0].id;
    assert.equal(JSON.parse(seen[1].body).id, firstId);
    assert.ok(String(rejected[0]).endsWith(`${firstId}.json`));
    assert.equal((await run(base)).code, 0);  // nothing left but the set-aside one
  });
});
