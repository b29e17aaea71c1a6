'use strict';
// Starts the message brokers of issue 17 (RabbitMQ with Web-STOMP,
// mosquitto, nats-server; Debian's packages, which scripts/install-tools.sh
// installs) as child processes of the test, on free 127.0.0.1 ports, each
// with its own config and data under a fresh temp dir, and stops every
// process it started by pid.
//
// Each starter resolves once the broker accepts TCP connections on its
// WebSocket port, and returns a handle:
// - `wsUrl`: what the page's `server` takes (`ws://127.0.0.1:P/ws` for
//   RabbitMQ's Web-STOMP, `ws://127.0.0.1:P/` for the others);
// - `ports`: every port it listens on, by name;
// - `output()`: what it printed;
// - `pids()`: the processes of it still alive (the one spawned and every
//   descendant, even one that left its process group);
// - `stop()`: SIGTERM to its process group, SIGKILL to whatever is left
//   after STOP_GRACE_MS, resolving once every process of it has gone and its
//   temp dir is removed; `kill()`: SIGKILL at once, the same way;
// - `exited()`: resolves once it has gone, without signalling it;
// - `pause()`, `resume()`: SIGSTOP and SIGCONT to each of its processes (a
//   frozen broker keeps its sockets open and reads nothing; kill() works on
//   it, stop() kills it after STOP_GRACE_MS);
// - `restart()`: after stop() or kill(), starts the same broker with the
//   same options on the same ports (a fresh temp dir), and resolves to a new
//   handle.
//
// As root, the brokers run as an unprivileged user (BROKER_USER, default
// `nobody`): RabbitMQ's own wrapper would switch user by itself, and
// mosquitto as root drops to `mosquitto`, which then cannot read a temp dir
// made by root. The temp dir is handed to that user.

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('./servers');

const RABBITMQ_SERVER = process.env.RABBITMQ_SERVER || '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD = process.env.EPMD || '/usr/bin/epmd';
const MOSQUITTO = process.env.MOSQUITTO || '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = process.env.MOSQUITTO_PASSWD || '/usr/bin/mosquitto_passwd';
const NATS_SERVER = process.env.NATS_SERVER || '/usr/sbin/nats-server';

/** Generous: RabbitMQ takes 7-12 s on 2 idle cores, and far more on busy ones. */
const READY_TIMEOUT_MS = 90_000;
/** How long a broker may take to shut down on SIGTERM before it is killed. */
const STOP_GRACE_MS = 20_000;

/** Every broker process group still running, killed if the test process exits first. */
const running = new Set();
process.on('exit', () => {
  for (const tracked of running) tracked.killNow();
});
// A broker runs in a process group of its own, so a signal that ends the
// test process (the runner cancelling a file, Ctrl+C) does not reach it:
// kill it here, then end as the signal would have.
for (const [name, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.once(name, () => {
    for (const tracked of running) tracked.killNow();
    process.exit(128 + number);
  });
}

/** The user a broker runs as: null when the tests do not run as root. */
function brokerUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const name = process.env.BROKER_USER || 'nobody';
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name} to run the brokers as (set BROKER_USER)`);
  const [, , uid, gid] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

function requireBinary(file, what) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found: run scripts/install-tools.sh (make tools) to install ${what}`);
  }
}

/** A fresh temp dir for one broker, owned by the user it runs as. */
function makeDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wschat-${label}-`));
  return dir;
}

/** Hands `dir` and everything in it to `user` (when the tests run as root). */
function handOver(dir, user) {
  if (!user) return;
  const walk = (p) => {
    fs.chownSync(p, user.uid, user.gid);
    if (fs.statSync(p).isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
}

function removeDir(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // A leftover temp dir is not worth failing a test for.
  }
}

/**
 * `{pid: {ppid, pgid, state}}` for every process, read from /proc. A zombie
 * (state Z) has exited and only waits to be reaped.
 */
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name is in parentheses and may hold spaces: read after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(Number(name), { state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]) });
  }
  return table;
}

/** `pid` and its living descendants. */
function processTree(pid) {
  const table = processTable();
  const tree = [];
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop();
    const entry = table.get(next);
    if (!entry || entry.state === 'Z') continue;
    tree.push(next);
    for (const [child, info] of table) if (info.ppid === next) pending.push(child);
  }
  return tree;
}

/** Whether `pid` is alive (exists and is not a zombie). */
function isAlive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until none of `pids` is alive; false if some still are after `timeout`. */
async function waitGone(pids, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (!pids.some(isAlive)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

/** Resolves once something accepts a TCP connection on 127.0.0.1:`port`. */
async function waitForPort(port, { timeout, stillRunning, describe }) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const accepted = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (!stillRunning()) throw new Error(`${describe()}: it exited before accepting connections`);
    if (Date.now() > deadline) throw new Error(`${describe()}: port ${port} not open within ${timeout} ms`);
    await sleep(100);
  }
}

/**
 * Spawns `command argv...` in a process group of its own (as `user` when
 * given), and resolves once its output matches `ready` (a RegExp, or null
 * for nothing to wait for) and `port` accepts
 * connections. Returns `{pid, output(), pids(), stop(), kill(), exited()}`.
 * stop() and kill() signal the group, then every descendant seen (an Erlang
 * VM starts helpers in sessions of their own), by pid, and resolve once all
 * have gone; `cleanup` runs then.
 */
async function spawnGroup(command, argv, { label, ready, port, env, cwd, user, cleanup = () => {} }) {
  const child = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env,
    cwd,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));

  // Every pid seen in the tree, so that a helper whose parent died first is
  // still stopped.
  const seen = new Set([child.pid]);
  const refresh = () => {
    for (const pid of processTree(child.pid)) seen.add(pid);
    return [...seen].filter(isAlive);
  };

  let finished;
  const tracked = {
    killNow() {
      signal(-child.pid, 'SIGKILL');
      for (const pid of seen) signal(pid, 'SIGKILL');
    },
  };
  running.add(tracked);
  // 'error' without 'exit' is a process that never started.
  const spawnedExit = new Promise((resolve) => {
    child.on('exit', (code, sig) => resolve(sig ?? code));
    child.on('error', (error) => resolve(error.message));
  });

  const finish = async (grace) => {
    const alive = refresh();
    if (grace > 0) {
      // The group only: a helper signalled apart from its VM may take the
      // VM down without its shutdown.
      signal(-child.pid, 'SIGTERM');
      // A paused broker handles SIGTERM only once it runs again.
      signal(-child.pid, 'SIGCONT');
      await waitGone(alive, grace);
    }
    for (let round = 0; ; round++) {
      const left = refresh();
      if (left.length === 0) break;
      signal(-child.pid, 'SIGKILL');
      for (const pid of left) signal(pid, 'SIGKILL');
      if ((await waitGone(left, 10_000)) || round > 5) break;
    }
    await spawnedExit;
    running.delete(tracked);
    cleanup();
  };
  const stopWith = (grace) => {
    finished ??= finish(grace);
    return finished;
  };
  // A broker that ends by itself is cleaned up too, once its whole tree has gone.
  const exited = spawnedExit.then(async () => {
    await waitGone(refresh(), 60_000);
    return stopWith(0);
  });

  const describe = () => `${label} (pid ${child.pid})`;
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${describe()} did not print ${ready} within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      const check = () => {
        if (ready === null || ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      check();
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${describe()} could not start: ${error.message}`));
      });
      spawnedExit.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${describe()} exited (${code})`));
      });
    });
    await waitForPort(port, {
      timeout: READY_TIMEOUT_MS,
      stillRunning: () => child.exitCode === null && child.signalCode === null,
      describe,
    });
    refresh();
  } catch (error) {
    await stopWith(0);
    throw new Error(`${error.message}; it printed:\n${output}`, { cause: error });
  }

  // SIGSTOP and SIGCONT to every process of it: frozen, it keeps its
  // sockets but reads nothing from them.
  const freeze = (sig) => () => {
    for (const pid of refresh()) signal(pid, sig);
  };
  return {
    pid: child.pid,
    output: () => output,
    pids: () => refresh(),
    pause: freeze('SIGSTOP'),
    resume: freeze('SIGCONT'),
    stop: () => stopWith(STOP_GRACE_MS),
    kill: () => stopWith(0),
    exited: () => exited,
  };
}

/** Free ports for every name in `names`, or the ones `given` already has. */
async function portsFor(names, given = {}) {
  const ports = { ...given };
  for (const name of names) ports[name] ??= await freePort();
  return ports;
}

// RabbitMQ ---------------------------------------------------------------

/**
 * RabbitMQ 3.10 with Web-STOMP on `ws://127.0.0.1:P/ws` and a plain STOMP
 * listener (`ports.stomp`, for scripts that publish), the default user
 * guest/guest allowed from 127.0.0.1, no AMQP listener.
 *
 * It runs `/usr/lib/rabbitmq/bin/rabbitmq-server` directly (the /usr/sbin
 * wrapper switches user) with every path in its temp dir, a unique node
 * name, its own epmd (started first, in the foreground, tracked, so that
 * Erlang never leaves an epmd daemon behind), and the Erlang distribution
 * on 127.0.0.1 only. The handle's stop() stops epmd too.
 *
 * options: `ports` (to reuse); `login` (`{user, password}`): the broker's
 * only user instead of guest/guest (`default_user` and `default_pass`, made
 * at its first start, with every permission on the default vhost).
 */
async function startRabbitMQ({ ports: given, login = null } = {}) {
  requireBinary(RABBITMQ_SERVER, 'rabbitmq-server');
  requireBinary(EPMD, 'epmd (erlang-base, a dependency of rabbitmq-server)');
  const user = brokerUser();
  const ports = await portsFor(['webStomp', 'stomp', 'dist', 'epmd'], given);
  const dir = makeDir('rabbitmq');
  const nodeName = `wschat-${process.pid}-${ports.webStomp}@localhost`;
  for (const sub of ['home', 'mnesia', 'log']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(
    path.join(dir, 'rabbitmq.conf'),
    [
      'listeners.tcp = none',
      `stomp.listeners.tcp.1 = 127.0.0.1:${ports.stomp}`,
      `web_stomp.tcp.port = ${ports.webStomp}`,
      'web_stomp.tcp.ip = 127.0.0.1',
      ...(login ? [`default_user = ${login.user}`, `default_pass = ${login.password}`] : []),
      'log.console = true',
      'log.console.level = info',
      'log.file = false',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[rabbitmq_web_stomp].\n');
  // Empty, so that /etc/rabbitmq/rabbitmq-env.conf is not read.
  fs.writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
  handOver(dir, user);

  const env = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: path.join(dir, 'home'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_DIST_PORT: String(ports.dist),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_PORT: String(ports.epmd),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };

  let epmd;
  let server;
  try {
    epmd = await spawnGroup(EPMD, ['-port', String(ports.epmd), '-address', '127.0.0.1'], {
      label: `epmd on port ${ports.epmd}`,
      ready: null,
      port: ports.epmd,
      env,
      cwd: dir,
      user,
    });
    server = await spawnGroup(RABBITMQ_SERVER, [], {
      label: `rabbitmq-server ${nodeName} (Web-STOMP on port ${ports.webStomp})`,
      ready: /Server startup complete/,
      port: ports.webStomp,
      env,
      cwd: dir,
      user,
    });
  } catch (error) {
    await epmd?.stop();
    removeDir(dir);
    throw error;
  }
  const both = (method) => async () => {
    await server[method]();
    await epmd.stop();
    removeDir(dir);
  };
  const stop = both('stop');
  const kill = both('kill');
  const exited = server.exited().then(async () => {
    await epmd.stop();
    removeDir(dir);
  });
  return {
    kind: 'rabbitmq',
    wsUrl: `ws://127.0.0.1:${ports.webStomp}/ws`,
    ports,
    nodeName,
    dir,
    output: server.output,
    pids: () => [...server.pids(), ...epmd.pids()],
    pause: server.pause,
    resume: server.resume,
    stop,
    kill,
    exited: () => exited,
    restart: () => startRabbitMQ({ ports, login }),
  };
}

// mosquitto --------------------------------------------------------------

/**
 * mosquitto 2.0 with a websockets listener on `ws://127.0.0.1:P/` (it binds
 * every interface whatever the config says, so P is a free high port) and
 * the plain MQTT listener it needs beside it (`ports.mqtt`), nothing
 * persisted.
 *
 * options: `users` (`{name: password}`): a password_file made with
 * mosquitto_passwd and `allow_anonymous false`; without it anyone may
 * connect. `ports` to reuse.
 */
async function startMosquitto({ users = null, ports: given } = {}) {
  requireBinary(MOSQUITTO, 'mosquitto');
  const user = brokerUser();
  const ports = await portsFor(['websockets', 'mqtt'], given);
  const dir = makeDir('mosquitto');
  const config = ['per_listener_settings false', 'persistence false', 'log_dest stderr', 'log_type all'];
  if (users) {
    requireBinary(MOSQUITTO_PASSWD, 'mosquitto (its mosquitto_passwd)');
    const file = path.join(dir, 'passwords');
    let first = true;
    for (const [name, password] of Object.entries(users)) {
      execFileSync(MOSQUITTO_PASSWD, ['-b', ...(first ? ['-c'] : []), file, name, password], { stdio: 'pipe' });
      first = false;
    }
    config.push('allow_anonymous false', `password_file ${file}`);
  } else {
    config.push('allow_anonymous true');
  }
  config.push(
    `listener ${ports.mqtt} 127.0.0.1`,
    'protocol mqtt',
    `listener ${ports.websockets} 127.0.0.1`,
    'protocol websockets',
    '',
  );
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), config.join('\n'));
  handOver(dir, user);

  let server;
  try {
    server = await spawnGroup(MOSQUITTO, ['-c', path.join(dir, 'mosquitto.conf')], {
      label: `mosquitto (websockets on port ${ports.websockets})`,
      ready: /mosquitto version \S+ running/,
      port: ports.websockets,
      env: { PATH: process.env.PATH, HOME: dir },
      cwd: dir,
      user,
      cleanup: () => removeDir(dir),
    });
  } catch (error) {
    removeDir(dir);
    throw error;
  }
  return {
    kind: 'mosquitto',
    wsUrl: `ws://127.0.0.1:${ports.websockets}/`,
    ports,
    dir,
    output: server.output,
    pids: server.pids,
    pause: server.pause,
    resume: server.resume,
    stop: server.stop,
    kill: server.kill,
    exited: server.exited,
    restart: () => startMosquitto({ users, ports }),
  };
}

// NATS -------------------------------------------------------------------

/**
 * nats-server 2.9 with a websocket listener on `ws://127.0.0.1:P/`
 * (`no_tls: true`) and its client port (`ports.client`, for scripts).
 *
 * options: `token`: `authorization { token }`, which the websocket
 * listener shares; `ports` to reuse; `cluster`: `{name, routes}` puts a
 * `cluster` block in it, listening on `ports.cluster`, with routes to the
 * given cluster ports (startNatsCluster uses it).
 */
async function startNats({ token = null, ports: given, cluster = null } = {}) {
  requireBinary(NATS_SERVER, 'nats-server');
  const user = brokerUser();
  const ports = await portsFor(['websocket', 'client', ...(cluster ? ['cluster'] : [])], given);
  const dir = makeDir('nats');
  const name = `wschat-${ports.websocket}`;
  const config = [
    `server_name: ${JSON.stringify(name)}`,
    `listen: "127.0.0.1:${ports.client}"`,
    `websocket {\n  listen: "127.0.0.1:${ports.websocket}"\n  no_tls: true\n}`,
  ];
  if (token) config.push(`authorization {\n  token: ${JSON.stringify(token)}\n}`);
  if (cluster) {
    const routes = cluster.routes.map((port) => JSON.stringify(`nats-route://127.0.0.1:${port}`)).join(', ');
    config.push(
      `cluster {\n  name: ${JSON.stringify(cluster.name)}\n  listen: "127.0.0.1:${ports.cluster}"\n  routes: [${routes}]\n}`,
    );
  }
  config.push('');
  fs.writeFileSync(path.join(dir, 'nats.conf'), config.join('\n'));
  handOver(dir, user);

  let server;
  try {
    server = await spawnGroup(NATS_SERVER, ['-c', path.join(dir, 'nats.conf')], {
      label: `nats-server ${name}`,
      ready: /Server is ready/,
      port: ports.websocket,
      env: { PATH: process.env.PATH, HOME: dir },
      cwd: dir,
      user,
      cleanup: () => removeDir(dir),
    });
  } catch (error) {
    removeDir(dir);
    throw error;
  }
  return {
    kind: 'nats',
    wsUrl: `ws://127.0.0.1:${ports.websocket}/`,
    ports,
    name,
    dir,
    output: server.output,
    pids: server.pids,
    pause: server.pause,
    resume: server.resume,
    stop: server.stop,
    kill: server.kill,
    exited: server.exited,
    restart: () => startNats({ token, ports, cluster }),
  };
}

/**
 * Two nats-servers in one cluster, each routing to the other. Returns
 * `{servers: [a, b], wsUrls, server, stop()}`: `server` is the page's
 * `server` value listing both (`ws://a/ ws://b/`); stop() stops both. Each
 * server's handle works as startNats's (kill one, restart it).
 *
 * Resolves once both say that the route to the other is up, so a message
 * published on one reaches a subscriber on the other.
 */
async function startNatsCluster({ token = null } = {}) {
  const name = `wschat-${process.pid}`;
  const clusterPorts = [await freePort(), await freePort()];
  const servers = [];
  try {
    for (const [i, own] of clusterPorts.entries()) {
      const other = clusterPorts[1 - i];
      servers.push(
        await startNats({ token, ports: { cluster: own }, cluster: { name, routes: [other] } }),
      );
    }
    await waitForRoutes(servers);
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  const wsUrls = servers.map((s) => s.wsUrl);
  return {
    servers,
    wsUrls,
    server: wsUrls.join(' '),
    stop: () => Promise.all(servers.map((s) => s.stop())),
  };
}

/** Waits until each server's log says a route is up (`Route connection created`). */
async function waitForRoutes(servers, { timeout = READY_TIMEOUT_MS } = {}) {
  const deadline = Date.now() + timeout;
  while (!servers.every((s) => /Route connection created/.test(s.output()))) {
    if (Date.now() > deadline) {
      throw new Error(`the NATS route never came up:\n${servers.map((s) => s.output()).join('\n---\n')}`);
    }
    await sleep(100);
  }
}

module.exports = {
  startRabbitMQ,
  startMosquitto,
  startNats,
  startNatsCluster,
  waitForRoutes,
  brokerUser,
  isAlive,
};
