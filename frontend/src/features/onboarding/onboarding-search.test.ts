// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { maxStep, onboardingSearchSchema, resolveStep, slackReturnError, stepState, type Progress } from './onboarding-search'

const none: Progress = { channel: false, agent: false, live: false }
const connected: Progress = { channel: true, agent: false, live: false }
const ready: Progress = { channel: true, agent: true, live: false }

describe('onboarding URL state', () => {
  it.each([
    [{ step: '2' }, 2],
    [{ step: 3 }, 3],
    [{ step: '4' }, 1],
    [{ step: 'abc' }, 1],
    [{ step: 0 }, 1],
    [{}, undefined],
  ])('%o → step %s', (raw, step) => {
    expect(onboardingSearchSchema.parse(raw).step).toBe(step)
  })

  it('keeps what Slack appends and drops what it does not know', () => {
    expect(onboardingSearchSchema.parse({ step: '2', channel: 'slack', connected: 'true' })).toEqual({ step: 2, channel: 'slack', connected: 'true' })
    expect(onboardingSearchSchema.parse({ step: 2, connected: true }).connected).toBe('true')
    expect(onboardingSearchSchema.parse({ step: 1, channel: 'fax', connected: 'yes' })).toEqual({ step: 1, channel: undefined, connected: undefined })
  })

  it('never shows a step whose earlier steps are not done', () => {
    expect(resolveStep(3, none)).toBe(1)
    expect(resolveStep(2, none)).toBe(1)
    expect(resolveStep(3, connected)).toBe(2)
    expect(resolveStep(3, ready)).toBe(3)
    expect(resolveStep(1, ready)).toBe(1) // going back is always fine
    expect(resolveStep(undefined, connected)).toBe(2) // no step: where the operator left off
    expect(resolveStep(undefined, ready)).toBe(3)
    expect(maxStep(connected)).toBe(2)
  })

  it('marks steps complete, active or pending', () => {
    expect([1, 2, 3].map((s) => stepState(s as 1 | 2 | 3, 2, connected))).toEqual(['complete', 'active', 'pending'])
    expect([1, 2, 3].map((s) => stepState(s as 1 | 2 | 3, 1, { ...ready, live: true }))).toEqual(['active', 'complete', 'complete'])
    // Live is the goal: the last step has its check mark while it is shown.
    expect([1, 2, 3].map((s) => stepState(s as 1 | 2 | 3, 3, { ...ready, live: true }))).toEqual(['complete', 'complete', 'complete'])
    expect(stepState(3, 3, ready)).toBe('active')
  })

  it('explains Slack failures', () => {
    expect(slackReturnError('slack_workspace_taken')).toMatch(/already connected to another Konstruct workspace/)
    expect(slackReturnError('slack_auth_failed')).toMatch(/didn’t finish/)
    expect(slackReturnError('whatever')).toMatch(/Try “Add to Slack” again/)
  })
})
