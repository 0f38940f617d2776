import { z } from '@/lib/zod'
import { rule } from '@/api/contract-rules'
import { zApiTokenCreate, zRole } from '@/api/zod.gen'

export const tokenExpiries = [
  { value: 'never', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
] as const

export type TokenExpiry = (typeof tokenExpiries)[number]['value']

export const apiTokenSchema = z.object({
  name: rule(zApiTokenCreate.shape.name, { required: 'Name the token after what uses it' }, { trim: true }),
  role: zRole,
  expires: z.enum(['never', '30', '90', '365']),
})
export type APITokenValues = z.infer<typeof apiTokenSchema>

/** The expiry instant for a choice, counted from `now`. */
export function expiresAt(choice: TokenExpiry, now: Date = new Date()): string | undefined {
  if (choice === 'never') return undefined
  return new Date(now.getTime() + Number(choice) * 24 * 3600 * 1000).toISOString()
}
