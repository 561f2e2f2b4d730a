#!/usr/bin/env node
console.error('leitung-relay: not built yet (see issue "relay and the leitung-relay program").');
process.exit(1);
