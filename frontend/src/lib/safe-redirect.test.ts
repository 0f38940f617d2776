// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { safeRedirect } from './safe-redirect'

describe('safeRedirect', () => {
  it.each([
    ['/agents?x=1', '/agents?x=1'],
    ['/settings/members', '/settings/members'],
    [undefined, '/'],
    ['', '/'],
    ['https://evil.example/', '/'],
    ['//evil.example/path', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/sign-in?redirect=/x', '/'],
  ])('%j → %j', (target, expected) => {
    expect(safeRedirect(target)).toBe(expected)
  })
})
