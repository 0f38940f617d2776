import { z } from '@/lib/zod'

/** One schema for creating and editing an endpoint. */
export const endpointSchema = z
  .object({
    url: z
      .string()
      .trim()
      .min(1, 'Enter the URL that receives events')
      .max(2000, 'At most 2,000 characters')
      .refine((v) => /^https?:\/\/[^\s/]+/i.test(v), 'An absolute https URL, e.g. https://hooks.example.com/konstruct'),
    description: z.string().trim().max(500, 'At most 500 characters'),
    allEvents: z.boolean(),
    eventTypes: z.array(z.string()),
  })
  .refine((v) => v.allEvents || v.eventTypes.length > 0, { path: ['eventTypes'], message: 'Pick at least one event, or all of them' })
export type EndpointValues = z.infer<typeof endpointSchema>

/** The request body for the form's values: no types means every type. */
export function endpointBody(v: EndpointValues) {
  return { url: v.url.trim(), description: v.description.trim(), event_types: v.allEvents ? [] : v.eventTypes }
}

/** Event types grouped by what they are about ("message", "agent"…), in catalogue order. */
export function groupTypes<T extends { type: string }>(types: ReadonlyArray<T>): Array<[string, T[]]> {
  const groups = new Map<string, T[]>()
  for (const t of types) {
    const group = t.type.split('.')[0] ?? t.type
    groups.set(group, [...(groups.get(group) ?? []), t])
  }
  return [...groups]
}

/** When replay starts, from the choices offered, counted back from now. */
export const replayWindows = [
  { value: '1', label: 'The last hour' },
  { value: '6', label: 'The last 6 hours' },
  { value: '24', label: 'The last day' },
  { value: '72', label: 'The last 3 days' },
  { value: '168', label: 'The last 7 days' },
] as const

export function replaySince(hours: string, now: Date = new Date()): string {
  return new Date(now.getTime() - Number(hours) * 3600 * 1000).toISOString()
}
