import { optional, z } from '@/lib/zod-mini'

/**
 * `?redirect=` on sign-in and sign-up: the portal page to return to after
 * signing in (checked by safeRedirect before use), kept when the operator
 * switches between the two pages.
 */
export const authSearchSchema = z.object({ redirect: optional(z.string().check(z.maxLength(2000))) })
