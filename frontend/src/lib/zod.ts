import { z } from 'zod'

// Zod compiles fast parsers with `new Function` when schemas are built. The
// server's CSP forbids eval (no 'unsafe-eval'), and even Zod's guarded probe
// for it is reported as a violation. Configuring it here, in the module every
// schema imports `z` from, guarantees it happens before the first schema
// exists, whatever order the bundler evaluates chunks in.
z.config({ jitless: true })

export { z }
