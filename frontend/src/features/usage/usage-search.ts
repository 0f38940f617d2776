import { optional, z } from '@/lib/zod-mini'

const day = z.iso.date()

/** The usage page's URL state: a range of UTC days; unset means this month so far. */
export const usageSearchSchema = z.object({
  from: optional(day),
  to: optional(day),
})
export type UsageSearch = z.infer<typeof usageSearchSchema>

const iso = (d: Date) => d.toISOString().slice(0, 10)

/** The first of this UTC month through today. */
export function monthToDate(now: Date = new Date()): { from: string; to: string } {
  return { from: iso(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))), to: iso(now) }
}

/** The range to show: the URL's days, each falling back to this month so far. */
export function resolveRange(search: UsageSearch, now: Date = new Date()): { from: string; to: string } {
  const fallback = monthToDate(now)
  return { from: search.from ?? fallback.from, to: search.to ?? fallback.to }
}
