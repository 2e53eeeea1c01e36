// Start-up of two builds of this app, side by side: `node scripts/startup-ab.mjs DIR_A DIR_B`
// (each a built checkout: `git worktree add /tmp/before <commit>`, link node_modules, `npm run
// build`). Each starts `node bin/serve.js` 15 times, the two taking turns so that a slow stretch
// of the machine falls on both, and the time to the first 200 on /healthz is reported (median
// and fastest). This is how a change's start-up cost is judged (docs/performance.md); one run of
// `npm run bench` varies more than most changes cost.
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { createServer } from 'node:net'

const dirs = process.argv.slice(2)
if (dirs.length < 2) {
  process.stderr.write('usage: node scripts/startup-ab.mjs DIR_A DIR_B\n')
  process.exit(2)
}
const RUNS = 15
const env = {
  PATH: process.env.PATH,
  CLIENT_ID: `C${'a'.repeat(64)}`,
  CLIENT_SECRET: 'b'.repeat(64),
  COOKIE_SECRET: 'c'.repeat(64),
  REDIRECT_URI: 'http://127.0.0.1:1/oauth',
  RATE_LIMIT_PER_MINUTE: '0',
  NODE_ENV: 'production'
}

function freePort () {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function healthy (port, deadline) {
  return new Promise((resolve, reject) => {
    const ask = () => {
      if (Date.now() > deadline) return reject(new Error(`no answer on port ${port}`))
      const req = request({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
        res.resume()
        if (res.statusCode === 200) resolve()
        else setTimeout(ask, 2)
      })
      req.on('error', () => setTimeout(ask, 2))
      req.end()
    }
    ask()
  })
}

const times = dirs.map(() => [])
for (let i = 0; i < RUNS; i++) {
  for (const [k, dir] of dirs.entries()) {
    const port = await freePort()
    const t0 = performance.now()
    const child = spawn(process.execPath, ['bin/serve.js'], { cwd: dir, env: { ...env, PORT: String(port) }, stdio: 'ignore' })
    await healthy(port, Date.now() + 10_000)
    times[k].push(performance.now() - t0)
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}
for (const [k, dir] of dirs.entries()) {
  const sorted = times[k].sort((a, b) => a - b)
  process.stdout.write(`${dir}: median ${sorted[Math.floor(RUNS / 2)].toFixed(1)} ms, fastest ${sorted[0].toFixed(1)} ms\n`)
}
