#!/usr/bin/env node
// Placeholder for the local demo call (issue: phonebook program and demo).
// Until the relay, client and audio packages exist, it reports which packages are built and importable.
const names = ['wire', 'crypto', 'merkle', 'audio', 'client', 'relay'];
let ready = 0;
for (const name of names) {
  try {
    const mod = await import(`@leitung/${name}`);
    const exported = Object.keys(mod).length;
    console.log(`  ready    @leitung/${name} (${exported} exports)`);
    ready += 1;
  } catch (err) {
    console.log(`  missing  @leitung/${name} (${err.code ?? 'not built'})`);
  }
}
console.log(
  `\nLeitung demo: ${ready}/${names.length} packages ready. The demo call arrives with the phonebook program.`,
);
