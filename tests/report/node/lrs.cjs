// A real LRS for tests, on loopback only: Learning Locker's statement service (npm
// xapi-statements@5.0.1, in-memory models, local storage in LRS_TMP) with real HTTP Basic-auth
// checking through a small client-info stub that accepts exactly LRS_USER:LRS_PASSWORD.
// LRS_PORT picks its port (default: a free one). Prints one JSON line {"endpoint","port",
// "auth_port"} on stdout when ready. Stop it by its PID.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

// xapi-statements calls listen(port) without a host, i.e. on every interface: force loopback.
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    const callbacks = args.slice(1).filter((a) => typeof a === 'function');
    return originalListen.call(this, Number(args[0]), '127.0.0.1', ...callbacks);
  }
  if (args[0] && typeof args[0] === 'object' && 'port' in args[0]) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return originalListen.apply(this, args);
};

const user = process.env.LRS_USER || '';
const password = process.env.LRS_PASSWORD || '';
const tmp = process.env.LRS_TMP;
if (!user || !password || !tmp) {
  console.error('lrs.cjs: set LRS_USER, LRS_PASSWORD and LRS_TMP');
  process.exit(2);
}
const lrsMain = path.join(__dirname, 'node_modules', 'xapi-statements', 'dist', 'index.js');
if (!fs.existsSync(lrsMain)) {
  console.error(`lrs.cjs: ${lrsMain} is missing: run "npm ci --ignore-scripts" in ${__dirname}`);
  process.exit(2);
}

const expected = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const client = {
  _id: '5f0000000000000000000001',
  title: 'smp tests',
  authority: { objectType: 'Agent', name: 'smp tests', mbox: 'mailto:smp-tests@example.org' },
  isTrusted: true,
  lrs_id: '5f0000000000000000000002',
  organisation: '5f0000000000000000000003',
  scopes: ['all'],
};
// The LRS asks this stub who the caller is; 404 = no such client (the LRS answers 401/403).
const authStub = http.createServer((req, res) => {
  if (req.headers.authorization === expected) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(client));
  } else {
    res.writeHead(404);
    res.end();
  }
});

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

function waitForPort(port, deadlineMs) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadlineMs) reject(new Error(`LRS did not listen on ${port}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

(async () => {
  await new Promise((r) => authStub.listen(0, '127.0.0.1', r));
  const authPort = authStub.address().port;
  const port = process.env.LRS_PORT ? Number(process.env.LRS_PORT) : await freePort();
  Object.assign(process.env, {
    EXPRESS_PORT: String(port),
    MODELS_REPO: 'memory',
    STORAGE_REPO: 'local',
    AUTH_REPO: 'fetch',
    LL_CLIENT_INFO_ENDPOINT: `http://127.0.0.1:${authPort}/client`,
    EVENTS_REPO: 'test',
    FS_LOCAL_STORAGE_DIR: path.join(tmp, 'storage'),
    EXPRESS_MORGAN_DIRECTORY: path.join(tmp, 'logs'),
    SERVICE_AWAIT_UPDATES: 'true',
    WINSTON_CONSOLE_LEVEL: 'error',
  });
  fs.mkdirSync(path.join(tmp, 'storage'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'logs'), { recursive: true });
  require(lrsMain);
  await waitForPort(port, Date.now() + 20000);
  process.stdout.write(JSON.stringify({ endpoint: `http://127.0.0.1:${port}/xAPI`, port, auth_port: authPort }) + '\n');
})().catch((e) => {
  console.error(`lrs.cjs: ${e.stack || e}`);
  process.exit(1);
});
