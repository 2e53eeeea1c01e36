// The layout holds (docs/architecture.md): no source file over 400 lines, no import cycle in
// src/ (between files, and between folders), and no upward import: oauth/, catalogue/, config/,
// webex/ and errors.ts take nothing from web/, cli/ or sandbox/, webex/ nothing from oauth/,
// sandbox/ nothing from web/ or cli/, and server.ts nothing from cli/.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { PACKAGE_ROOT } from '../src/paths.ts'

const SRC = join(PACKAGE_ROOT, 'src')
const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(SRC, f))

/** Each file's imports of other src files (static, re-exports and dynamic), as paths relative to src/. */
function importsOf (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = [...text.matchAll(/(?:^import|^export)[^'"\n]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm)].map(
    (m) => m[1] ?? m[2] ?? ''
  )
  return specifiers.map((s) => relative(SRC, resolve(dirname(file), s)))
}

const graph = new Map(files.map((f) => [relative(SRC, f), importsOf(f)]))

test('no source file is over 400 lines', () => {
  const long = files
    .map((f) => ({ f: relative(SRC, f), n: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((x) => x.n > 400)
  assert.deepEqual(long, [])
})

test('every import in src/ names a file that exists (so the checks below see the real graph)', () => {
  for (const [from, tos] of graph) for (const to of tos) assert.ok(graph.has(to), `${from} imports ${to}`)
  assert.ok([...graph.values()].flat().length > 100)
})

test('no import cycle in src/', () => {
  // Tarjan's strongly connected components: any component of more than one file is a cycle.
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const cycles: string[][] = []
  const visit = (v: string) => {
    indices.set(v, index)
    low.set(v, index)
    index++
    stack.push(v)
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0))
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = []
      let w: string | undefined
      do {
        w = stack.pop()
        if (w !== undefined) component.push(w)
      } while (w !== undefined && w !== v)
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component)
    }
  }
  for (const v of graph.keys()) if (!indices.has(v)) visit(v)
  assert.deepEqual(cycles, [])
})

test('no upward import', () => {
  const layer = (path: string) => path.split('/')[0] ?? ''
  const forbidden: Record<string, string[]> = {
    oauth: ['web', 'cli', 'sandbox'],
    catalogue: ['web', 'cli', 'sandbox', 'config'],
    config: ['web', 'cli', 'sandbox', 'catalogue'],
    webex: ['web', 'cli', 'sandbox', 'oauth'],
    'errors.ts': ['web', 'cli', 'sandbox', 'oauth', 'webex', 'catalogue', 'config'],
    sandbox: ['web', 'cli'],
    // The entry points start the presentation, and take nothing else from it.
    'server.ts': ['cli']
  }
  const wrong: string[] = []
  for (const [from, tos] of graph) {
    for (const to of tos) if ((forbidden[layer(from)] ?? []).includes(layer(to))) wrong.push(`${from} → ${to}`)
  }
  assert.deepEqual(wrong, [])
})

test('no cycle between folders either: each folder, and each file at the top of src/, is one node', () => {
  const node = (path: string) => path.split('/')[0] ?? ''
  const edges = new Map<string, Set<string>>()
  for (const [from, tos] of graph) {
    for (const to of tos) {
      if (node(from) === node(to)) continue
      const out = edges.get(node(from)) ?? new Set<string>()
      out.add(node(to))
      edges.set(node(from), out)
    }
  }
  // A folder that reaches itself again through others is a cycle: a depth-first search for a back edge.
  const state = new Map<string, 'open' | 'done'>()
  const cycles: string[] = []
  const visit = (v: string, path: string[]) => {
    state.set(v, 'open')
    for (const w of edges.get(v) ?? []) {
      if (state.get(w) === 'open') cycles.push([...path, v, w].join(' → '))
      else if (!state.has(w)) visit(w, [...path, v])
    }
    state.set(v, 'done')
  }
  for (const v of edges.keys()) if (!state.has(v)) visit(v, [])
  assert.deepEqual(cycles, [])
})
