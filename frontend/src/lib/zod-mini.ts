import * as z from 'zod/mini'

// The schemas every page needs before it renders (URL search params, problem
// bodies) use Zod Mini: the same validation, tree-shaken to what they use,
// so the shell does not carry all of Zod. Forms keep the full API
// (`@/lib/zod`), loaded with the pages that have them. Both share Zod's core
// and its configuration: no `new Function`, which the CSP forbids.
z.config({ jitless: true })

export { z }

/** An optional value that falls back to unset when the URL holds something invalid. */
export function optional<T extends z.core.SomeType>(schema: T) {
  return z.catch(z.optional(schema), undefined)
}
