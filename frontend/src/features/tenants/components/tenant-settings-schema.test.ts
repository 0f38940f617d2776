// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { settingsToUpdate, tenantSettingsSchema, tenantToSettings } from './tenant-settings-schema'

describe('tenant settings', () => {
  it('treats an empty budget as no limit', () => {
    expect(settingsToUpdate({ name: 'Acme', budget_limit_usd: '' })).toEqual({ name: 'Acme', budget_limit_usd: null })
    expect(settingsToUpdate({ name: 'Acme', budget_limit_usd: '99.50' })).toEqual({ name: 'Acme', budget_limit_usd: 99.5 })
  })

  it.each(['-1', '1e5', 'ten', '1.234', '10000001'])('rejects the budget %j', (budget) => {
    expect(tenantSettingsSchema.safeParse({ name: 'Acme', budget_limit_usd: budget }).success).toBe(false)
  })

  it('shows the stored budget', () => {
    const base = { id: 't', name: 'Acme', created_at: '', updated_at: '' }
    expect(tenantToSettings({ ...base, budget_limit_usd: null }).budget_limit_usd).toBe('')
    expect(tenantToSettings({ ...base, budget_limit_usd: 250 }).budget_limit_usd).toBe('250')
  })
})
