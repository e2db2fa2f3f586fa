'use strict'
// Preloaded with `node --require ./loopback.cjs`: keeps the whole test network on 127.0.0.1.
//
// 1. Listening: every net.Server (http, https, http2 and ws servers inherit from it) that would bind all
//    interfaces (no host, '::', '0.0.0.0') or any other non-loopback address is bound to 127.0.0.1.
// 2. Names: 'localhost' and '*.localhost' resolve to 127.0.0.1 without asking the system resolver, IP
//    literals pass through, and every other name fails with ENOTFOUND before any DNS packet is sent
//    (the machine's resolver is not on loopback; atproto resolves handles with DNS TXT and HTTPS).
// 3. Connecting: a TCP connection to a non-loopback IP literal fails with EACCES.
// Each refusal is logged to stderr with the prefix [loopback-guard].

const net = require('node:net')
const dns = require('node:dns')
const { syncBuiltinESMExports } = require('node:module')

const LOOPBACK_V4 = '127.0.0.1'

dns.setDefaultResultOrder('ipv4first')

function isLoopbackIp(address) {
  if (net.isIPv4(address)) return address.startsWith('127.')
  if (net.isIPv6(address)) {
    const a = address.toLowerCase()
    return a === '::1' || a === '0:0:0:0:0:0:0:1' || a.startsWith('::ffff:127.')
  }
  return false
}

function isLocalhostName(name) {
  const n = String(name).toLowerCase().replace(/\.$/, '')
  return n === 'localhost' || n.endsWith('.localhost')
}

function refuse(what, target, code, quiet = false) {
  if (!quiet) process.stderr.write(`[loopback-guard] refused ${what} ${target}\n`)
  const err = new Error(`${code}: loopback-guard refused ${what} ${target}`)
  err.code = code
  err.hostname = String(target)
  return err
}

// ---- 1. listen ---------------------------------------------------------------------------------------
function loopbackHost(host) {
  if (host === undefined || host === null || host === '') return LOOPBACK_V4
  if (isLoopbackIp(host)) return host
  return LOOPBACK_V4 // '::', '0.0.0.0', 'localhost' (might bind ::1 only), or an outside address
}

const originalListen = net.Server.prototype.listen
net.Server.prototype.listen = function listen(...args) {
  const first = args[0]
  if (first !== null && typeof first === 'object') {
    // listen(options[, cb]) or listen(handle[, cb]): options with a port get a loopback host; a
    // handle, an fd or a path is left alone.
    const isOptions = !('_handle' in first) && first.fd === undefined && first.path === undefined
    if (isOptions) args[0] = { ...first, host: loopbackHost(first.host) }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb])
    if (typeof args[1] === 'string') args[1] = loopbackHost(args[1])
    else args.splice(1, 0, LOOPBACK_V4)
  } else if (first === undefined || first === null || typeof first === 'function') {
    // listen() / listen(cb): a random port
    if (args.length > 0 && typeof first !== 'function') args.shift()
    args.unshift(0, LOOPBACK_V4)
  }
  // a non-numeric string is a Unix socket path: nothing to do
  return originalListen.apply(this, args)
}

// ---- 2. names ----------------------------------------------------------------------------------------
const originalLookup = dns.lookup
function guardedLookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = {}
  } else if (typeof options === 'number') {
    options = { family: options }
  } else if (options === undefined || options === null) {
    options = {}
  }
  if (net.isIP(hostname)) {
    if (isLoopbackIp(hostname)) return originalLookup.call(dns, hostname, options, callback)
    return process.nextTick(callback, refuse('address', hostname, 'EACCES'))
  }
  if (isLocalhostName(hostname)) {
    if (options.family === 6) {
      // Nothing listens on ::1 here; answer as an unknown name so callers fall back to IPv4.
      return process.nextTick(callback, refuse('IPv6 lookup of', hostname, 'ENOTFOUND', true))
    }
    if (options.all) return process.nextTick(callback, null, [{ address: LOOPBACK_V4, family: 4 }])
    return process.nextTick(callback, null, LOOPBACK_V4, 4)
  }
  return process.nextTick(callback, refuse('lookup of', hostname, 'ENOTFOUND'))
}
dns.lookup = guardedLookup

dns.promises.lookup = function lookup(hostname, options) {
  return new Promise((resolve, reject) => {
    guardedLookup(hostname, options ?? {}, (err, address, family) => {
      if (err) reject(err)
      else if (Array.isArray(address)) resolve(address)
      else resolve({ address, family })
    })
  })
}

// Every DNS query (resolveTxt for handles, resolve4, reverse, ...) would go to the system's name server.
const QUERY_METHODS = [
  'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx',
  'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTlsa', 'resolveTxt',
  'reverse', 'lookupService',
]
function blockQueries(target, isPromise) {
  for (const name of QUERY_METHODS) {
    if (typeof target[name] !== 'function') continue
    if (isPromise) {
      target[name] = function blockedQuery(hostname) {
        return Promise.reject(refuse(`DNS ${name} of`, hostname, 'ENOTFOUND'))
      }
    } else {
      target[name] = function blockedQuery(hostname, ...rest) {
        const callback = rest[rest.length - 1]
        const err = refuse(`DNS ${name} of`, hostname, 'ENOTFOUND')
        if (typeof callback === 'function') process.nextTick(callback, err)
        else throw err
      }
    }
  }
}
blockQueries(dns, false)
blockQueries(dns.Resolver.prototype, false)
blockQueries(dns.promises, true)
blockQueries(dns.promises.Resolver.prototype, true)

// ---- 3. connect --------------------------------------------------------------------------------------
const originalConnect = net.Socket.prototype.connect
net.Socket.prototype.connect = function connect(...args) {
  // net.connect() passes one pre-normalised array [options, cb]; socket.connect() gets the raw forms.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0]
  let host
  if (first !== null && typeof first === 'object') {
    if (first.path === undefined) host = first.host ?? 'localhost'
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost'
  }
  if (host !== undefined && net.isIP(host) && !isLoopbackIp(host)) {
    const err = refuse('connection to', host, 'EACCES')
    process.nextTick(() => this.destroy(err))
    return this
  }
  return originalConnect.apply(this, args)
}

// ES modules that `import * as dns from 'node:dns/promises'` see the patched functions too.
syncBuiltinESMExports()
