import { describe, expect, it } from 'vitest'
import { pickTenant, readStoredTenant, storeTenant } from './current-tenant'

const a = { tenant_id: 'a' }
const b = { tenant_id: 'b' }

describe('pickTenant', () => {
  it('prefers the requested tenant, then the stored one, then the first', () => {
    storeTenant('b')
    expect(pickTenant([a, b], 'a')).toBe(a)
    expect(pickTenant([a, b], undefined)).toBe(b)
    expect(pickTenant([a, b], 'not-a-member')).toBe(b)
    storeTenant('gone')
    expect(pickTenant([a, b])).toBe(a)
    expect(pickTenant([])).toBeUndefined()
    expect(readStoredTenant()).toBe('gone')
  })
})
