// Loaded into the app's process by the bench only (node --expose-gc --import): answers the
// bench's IPC message "heap" with the heap in use after a full garbage collection.
process.channel?.unref()
process.on('message', (message) => {
  if (message !== 'heap' || typeof globalThis.gc !== 'function') return
  globalThis.gc()
  process.send?.({ heapUsed: process.memoryUsage().heapUsed })
})
