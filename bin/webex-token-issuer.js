#!/usr/bin/env node
// The installed command: the built CLI (dist/cli/bin.js).
import { runBuilt } from './run-built.js'

await runBuilt('cli/bin.js')
