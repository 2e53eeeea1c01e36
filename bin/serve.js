#!/usr/bin/env node
// What `npm start` and the Procfile run: the built server (dist/main.js).
import { runBuilt } from './run-built.js'

await runBuilt('main.js')
