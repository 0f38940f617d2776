// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { formatCost } from '@/lib/format'
import { costLabel, niceTicks } from './chart-scale'

describe('usage chart scale', () => {
  it('ticks round values up to the maximum', () => {
    expect(niceTicks(1.25)).toEqual({ ticks: [0, 0.5, 1, 1.5], decimals: 1 })
    expect(niceTicks(100)).toEqual({ ticks: [0, 50, 100], decimals: 0 })
    expect(niceTicks(0)).toEqual({ ticks: [0, 1], decimals: 0 })
  })

  it('labels tiny costs in full instead of clipping or rounding them to zero', () => {
    const { ticks, decimals } = niceTicks(0.00006)
    const labels = ticks.map((t) => costLabel(t, decimals))
    expect(labels).toEqual(['$0', '$0.00002', '$0.00004', '$0.00006'])
    expect(new Set(labels).size).toBe(labels.length)
  })

  it('shows sub-cent totals with their significant digits', () => {
    expect(formatCost(0.00006)).toBe('$0.00006')
    expect(formatCost(0.0123)).toBe('$0.01')
    expect(formatCost(0.004567)).toBe('$0.0046')
    expect(formatCost(0)).toBe('$0.00')
    expect(formatCost(12.5)).toBe('$12.50')
  })
})
