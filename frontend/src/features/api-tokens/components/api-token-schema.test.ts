// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { apiTokenSchema, expiresAt } from './api-token-schema'

describe('API token form', () => {
  it('computes the expiry from the choice', () => {
    const now = new Date('2026-01-01T00:00:00Z')
    expect(expiresAt('never', now)).toBeUndefined()
    expect(expiresAt('30', now)).toBe('2026-01-31T00:00:00.000Z')
    expect(expiresAt('365', now)).toBe('2027-01-01T00:00:00.000Z')
  })

  it('requires a name of at most 100 characters', () => {
    expect(apiTokenSchema.safeParse({ name: ' ', role: 'member', expires: 'never' }).success).toBe(false)
    expect(apiTokenSchema.safeParse({ name: 'x'.repeat(101), role: 'member', expires: 'never' }).success).toBe(false)
    expect(apiTokenSchema.safeParse({ name: 'CRM sync', role: 'admin', expires: '90' }).success).toBe(true)
  })
})
